import { describe, expect, it } from 'vitest';
import { MaskingError, maskJson, type MaskingProfile } from './index.js';

const profile: MaskingProfile = { name: 'api', detectors: ['email', 'card'], fields: ['password', 'SSN'], columns: [] };

describe('maskJson', () => {
  it('masks string values at any depth, in objects and arrays, and re-serialises compactly', () => {
    const json = `{
      "user": { "email": "jo@example.com", "tags": ["vip", "ann@example.org"] },
      "payments": [ { "card": "4111 1111 1111 1111", "order": "1234567812345678" } ],
      "count": 2, "ok": true, "none": null
    }`;
    const result = maskJson(json, profile);
    expect(JSON.parse(result.text)).toEqual({
      user: { email: 'j***@example.com', tags: ['vip', 'a***@example.org'] },
      payments: [{ card: '**** **** **** 1111', order: '1234567812345678' }],
      count: 2, ok: true, none: null,
    });
    expect(result.text).toMatch(/^\{"user":\{"email":"j\*\*\*@example\.com","tags":\["vip"/);
    expect(result.text).not.toContain('\n');
    expect(result.findings).toEqual({ email: 2, card: 1 });
  });

  it('does not mask object keys', () => {
    expect(maskJson('{"jo@example.com":"x"}', profile).text).toBe('{"jo@example.com":"x"}');
  });

  it('redacts field-rule values case-insensitively, whatever their type, without descending into them', () => {
    const json = '{"Password":"hunter2","ssn":123456789,"nested":{"PASSWORD":{"a":"jo@example.com"},"list":[{"SsN":null}]},"pass":"jo@example.com"}';
    const result = maskJson(json, profile);
    expect(JSON.parse(result.text)).toEqual({
      Password: '[REDACTED]',
      ssn: '[REDACTED]',
      nested: { PASSWORD: '[REDACTED]', list: [{ SsN: '[REDACTED]' }] },
      pass: 'j***@example.com',
    });
    expect(result.findings).toEqual({ field: 4, email: 1 });
  });

  it('masks Luhn-valid integer card numbers from their source digits, beyond 2^53', () => {
    // JSON.parse alone would read this as 4512345678901234700.
    const result = maskJson('{"pan":4512345678901234564,"list":[4111111111111111, -4111111111111111]}', profile);
    expect(result.text).toBe('{"pan":"***************4564","list":["************1111","-************1111"]}');
    expect(result.findings).toEqual({ card: 3 });
  });

  it('leaves numbers that are not card numbers as numbers', () => {
    const json = '{"order":1234567812345678,"short":411111111111,"float":4111111111111111.5,"exp":4111111111111111e0,"n":42}';
    const result = maskJson(json, profile);
    expect(result.findings).toEqual({});
    expect(JSON.parse(result.text)).toEqual(JSON.parse(json));
  });

  it('does not confuse digits inside strings, including escaped quotes, with number tokens', () => {
    const json = '{"a":"say \\"4111111111111111\\" \\\\","b":4111111111111111,"4111111111111111":"k"}';
    const result = maskJson(json, profile);
    expect(result.text).toBe('{"a":"say \\"************1111\\" \\\\","b":"************1111","4111111111111111":"k"}');
    expect(result.findings).toEqual({ card: 2 });
  });

  it('counts a card number under a field rule as a field, not a card', () => {
    const result = maskJson('{"ssn":4111111111111111,"n":4111111111111111}', profile);
    expect(result.text).toBe('{"ssn":"[REDACTED]","n":"************1111"}');
    expect(result.findings).toEqual({ field: 1, card: 1 });
  });

  it('leaves card numbers alone when the profile has no card detector', () => {
    const emailsOnly: MaskingProfile = { name: 'e', detectors: ['email'], fields: [], columns: [] };
    expect(maskJson('[4111111111111111,"4111111111111111"]', emailsOnly).text).toBe('[4111111111111111,"4111111111111111"]');
  });

  it('masks top-level scalars', () => {
    expect(maskJson('"jo@example.com"', profile).text).toBe('"j***@example.com"');
    expect(maskJson('4111111111111111', profile).text).toBe('"************1111"');
    expect(maskJson(' 7 ', profile).text).toBe('7');
  });

  it('keeps a "__proto__" key as data', () => {
    const result = maskJson('{"__proto__":{"e":"jo@example.com"},"password":1}', profile);
    expect(result.text).toBe('{"__proto__":{"e":"j***@example.com"},"password":"[REDACTED]"}');
  });

  it('handles deep nesting, and throws rather than passing through when too deep to serialise', () => {
    const nested = (depth: number): string => '['.repeat(depth) + '"jo@example.com"' + ']'.repeat(depth);
    expect(maskJson(nested(1_000), profile).text).toBe(nested(1_000).replace('jo@', 'j***@'));
    expect(() => maskJson(nested(200_000), profile)).toThrow(RangeError);
  });

  it.each(['', '{', '{"a":1,}', "{'a':1}", '{4111111111111111:1}', '[04111111111111111]', 'jo@example.com'])(
    'throws INVALID_JSON for %j without quoting the body',
    (json) => {
      let error: unknown;
      try {
        maskJson(json, profile);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(MaskingError);
      expect(error).toMatchObject({ code: 'INVALID_JSON', name: 'MaskingError' });
      expect((error as Error).message).not.toContain('4111');
      expect((error as Error).cause).toBeUndefined();
    },
  );
});
