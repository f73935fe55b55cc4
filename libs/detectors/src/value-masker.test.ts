import { describe, expect, it } from 'vitest';
import { MaskingError, maskJson, maskText, valueMasker, type MaskingProfile } from './index.js';

const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', 'cards.*'] };
const bytes = (text: string) => Buffer.from(text, 'utf8');

// Texts the detectors match, do not match, or nearly match: the prefilter must never say "clean"
// about a text maskText would change.
const SAMPLES = [
  'jo@example.com', 'mail jo@x.io.', 'no at sign', '@', 'a@b', 'é@exämple.com',
  '4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', 'amex 3782 822463 10005', '4222222222222',
  '411111111111', '4111  1111 1111 1111', '4111 -1111-1111-1111', '1234567812345678', '94111111111111111',
  'x4111111111111111', '41111111111111119', '4.111111111111111e+15', '', '€ 4111 1111 1111 1111 €',
];

describe('valueMasker', () => {
  const masker = valueMasker(profile);

  it('never rules out a text the detectors change (the prefilter is a necessary condition)', () => {
    for (const text of SAMPLES) {
      const changed = maskText(text, profile).text !== text;
      const buffer = bytes(`<<${text}>>`);
      if (changed) expect(masker.mayMatch(buffer, 2, buffer.length - 2), text).toBe(true);
    }
    // and it does rule out the ordinary ones, without looking outside the range
    expect(masker.mayMatch(bytes('plain text 2024-01-01 12:00'), 0, 27)).toBe(false);
    expect(masker.mayMatch(bytes('ab@cd'), 3, 5)).toBe(false);
    expect(masker.mayMatch(bytes('4111111111111111'), 0, 11)).toBe(false);
  });

  it('masks text with the detectors, returning the same string when clean', () => {
    const findings: Record<string, number> = {};
    expect(masker.maskText('to jo@example.com, 4111 1111 1111 1111', findings)).toBe('to j***@example.com, **** **** **** 1111');
    const clean = 'nothing here';
    expect(masker.maskText(clean, findings)).toBe(clean);
    expect(findings).toEqual({ email: 1, card: 1 });
  });

  it('masks JSON as maskJson does, compacting a masked document, and keeps a clean one as it was written', () => {
    const findings: Record<string, number> = {};
    const json = '{"password": "x", "e": "jo@example.com", "n": 4111111111111111, "keep": [1.50, "\\u00e9 "]}';
    expect(masker.maskJson(json, findings)).toBe(maskJson(json, profile).text.replace(/(?<=[:,]) /g, ''));
    expect(masker.maskJson(json, {})).toMatch(/^\{"password":"\[REDACTED\]","e":"j\*\*\*@example\.com","n":"[^"]+","keep":\[1\.50,"\\u00e9 "\]\}$/);
    expect(findings).toEqual({ field: 1, email: 1, card: 1 });
    const clean = '{"a": 1.000000000000000000001, "b": 12345678901234567890}';
    expect(masker.maskJson(clean, findings)).toBe(clean);
    expect(() => masker.maskJson('{', findings)).toThrow(MaskingError);
  });

  it('says when JSON may need masking: field rules, detector candidates, escapes', () => {
    const detectorsOnly = valueMasker({ ...profile, fields: [] });
    const check = (json: string) => detectorsOnly.jsonMayNeedMasking(bytes(json), 0, Buffer.byteLength(json));
    expect(check('{"a": "plain", "n": 12}')).toBe(false);
    expect(check('{"a": "jo@example.com"}')).toBe(true);
    expect(check('{"n": 4111111111111111}')).toBe(true);
    expect(check('{"a": "jo\\u0040example.com"}')).toBe(true);
    const fieldsOnly = valueMasker({ ...profile, detectors: [] });
    const fieldCheck = (json: string) => fieldsOnly.jsonMayNeedMasking(bytes(json), 0, Buffer.byteLength(json));
    expect(fieldCheck('{"user": "ada", "n": 4111111111111111}')).toBe(false);
    expect(fieldCheck('{"PassWord": 1}')).toBe(true);
    expect(fieldCheck('{"a": "my password"}')).toBe(true); // a value: parsed to find out, then left alone
    expect(fieldCheck('{"p\\u0061ssword": 1}')).toBe(true);
    expect(fieldCheck('{"\u212Aey": 1}')).toBe(true); // non-ASCII keys can lower-case to ASCII
    const kelvin = valueMasker({ ...profile, detectors: [], fields: ['key'] });
    expect(kelvin.maskJson('{"\u212Aey": 1}', {})).toBe('{"\u212Aey":"[REDACTED]"}');
    // and never rules out a document maskJson would change
    for (const json of ['{"Password":1}', '{"a":{"b":[{"PASSWORD":null}]}}', '{"pass\\u0077ord":1}', '{"\u212Aey":1,"password":2}']) {
      expect(masker.maskJson(json, {}) !== json && !masker.jsonMayNeedMasking(bytes(json), 0, Buffer.byteLength(json))).toBe(false);
    }
    // numbers in any notation can be cards; keys can be spelled with escapes the view decodes
    expect(check('{"n": 4.111111111111111e15}')).toBe(true);
    expect(check('{"n": 41111111111111110E-1}')).toBe(true);
    expect(check('{"n": 4111111111111111.0}')).toBe(true);
    expect(fieldCheck('{"pass%77ord": 1}')).toBe(true);
    expect(fieldCheck('{"pass&#119;ord": 1}')).toBe(true);
    const documents = [
      '{"n": 4.111111111111111e15}', '[41111111111111110e-1]', '{"jo@example.com": 1}', '{"k": "jo%40example.com"}', '{"k": "jo&#64;example.com"}',
      '{"pass%77ord": 1}', '{"PASS&#87;ORD": 1}', '{"p": "{\\"password\\": 1}"}', '{"ｐａｓｓｗｏｒｄ": 1}', '[4111111111111111]', '{"a": 1.5}',
    ];
    for (const json of documents) {
      if (masker.maskJson(json, {}) !== json) expect(masker.jsonMayNeedMasking(bytes(json), 0, Buffer.byteLength(json)), json).toBe(true);
    }
    const nothing = valueMasker({ name: 'n', detectors: [], fields: [], columns: [] });
    expect(nothing.jsonMayNeedMasking(bytes('{"a": "jo\\u0040example.com"}'), 0, 26)).toBe(false);
  });

  it('redacts columns by column rule (source) or field rule (result name or source column, any case)', () => {
    const users = { schema: 'hr', table: 'users', column: 'ssn' };
    expect(masker.redactsColumn('ssn', users)).toBe(true);
    expect(masker.redactsColumn('x', users)).toBe(true); // an alias does not hide the source
    expect(masker.redactsColumn('ssn', { ...users, schema: 'public' })).toBe(false);
    expect(masker.redactsColumn('number', { schema: 'public', table: 'cards', column: 'number' })).toBe(true);
    expect(masker.redactsColumn('Password', undefined)).toBe(true);
    expect(masker.redactsColumn('p', { schema: 'public', table: 't', column: 'PASSWORD' })).toBe(true);
    expect(masker.redactsColumn('ssn', undefined)).toBe(false); // a column rule needs a source
    expect([masker.detects, masker.hasFields, masker.hasColumns]).toEqual([true, true, true]);
  });

  it('compares field names as JSON keys are compared: NFKC, ignorables removed, escapes decoded, any case', () => {
    const wide = valueMasker({ name: 'w', detectors: [], fields: ['ＰＡＳＳＷＯＲＤ'], columns: [] });
    for (const name of ['password', 'PassWord', 'pass\u200bword', 'ｐａｓｓｗｏｒｄ', 'pass%77ord']) expect(wide.redactsColumn(name, undefined), name).toBe(true);
    expect(wide.redactsColumn('passwords', undefined)).toBe(false);
    expect(wide.maskJson('{"Pass\u0077ord": 1}', {})).toBe('{"Pass\u0077ord":"[REDACTED]"}');
  });

  it('refuses a profile it cannot read', () => {
    expect(() => valueMasker({ ...profile, columns: ['ssn'] })).toThrow(expect.objectContaining({ code: 'INVALID_COLUMN_PATTERN' }));
    expect(() => valueMasker({ ...profile, detectors: ['passport' as 'card'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_DETECTOR' }));
  });
});
