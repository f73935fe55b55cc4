import { describe, expect, it } from 'vitest';
import type { DetectionContext, Detector } from './detector.types.js';
import { emailDetector } from './email.detector.js';
import { MaskingError, maskJson, valueMasker, type MaskingProfile } from './index.js';
import { MAX_JSON_DEPTH, maskJsonWith } from './mask-json.js';
import { compileProfile } from './profile.js';

// Redaction makes expectations independent of how a detector writes its partial form.
const profile: MaskingProfile = {
  name: 'api',
  detectors: ['email', 'card'],
  fields: ['password', 'SSN'],
  columns: [],
  styles: { email: 'redact', card: 'redact' },
};
const mask = (json: string) => maskJson(json, profile);
const CARD = '"[REDACTED:card]"';
const EMAIL = '"[REDACTED:email]"';

describe('maskJson', () => {
  it.each([
    '{"a": 1}',
    '{\n  "user": {"name": "Ada", "tags": ["x", "y"]},\n  "n": -0.5e-3\n}\n',
    '[1.000000000000000000001, 12345678901234567890123, 1E400, -0, 0.1]',
    '{"unicode": "caf\u00e9 \u{1F600}", "escapes": "\\u00e9\\n\\t\\"\\\\\\/", "empty": "", "e": {}, "a": []}',
    '  "just a string"  ',
    'true',
    'null',
    '{"dup": 1, "dup": 2}',
    '["\\ud800 lone surrogate escape"]',
    '{"order": 1234567812345678, "ts": 1700000000000, "short": 411111111111, "fraction": 4111111111111112.5}',
  ])('gives a clean document back as the same string: %j', (json) => {
    const result = mask(json);
    expect(result.text).toBe(json);
    expect(result.findings).toEqual({});
  });

  it('replaces only the masked tokens, keeping formatting and everything else as written', () => {
    const json = '{\n  "email": "jo@example.com",\n  "price": 1.50,\n  "big": 12345678901234567890,\n  "note": "caf\\u00e9"\n}';
    expect(mask(json)).toEqual({
      text: `{\n  "email": ${EMAIL},\n  "price": 1.50,\n  "big": 12345678901234567890,\n  "note": "caf\\u00e9"\n}`,
      findings: { email: 1 },
    });
  });

  it('masks string values at any depth, in objects and arrays', () => {
    const json = '{"user":{"email":"jo@example.com","tags":["vip","ann@example.org"]},"payments":[{"card":"4111 1111 1111 1111","order":"1234567812345678"}]}';
    expect(mask(json)).toEqual({
      text: `{"user":{"email":${EMAIL},"tags":["vip",${EMAIL}]},"payments":[{"card":${CARD},"order":"1234567812345678"}]}`,
      findings: { email: 2, card: 1 },
    });
  });

  it.each([
    ['a \\u escape', '"jo\\u0040example.com"', EMAIL],
    ['escaped digits', '"\\u0034111111111111111"', CARD],
    ['an escaped slash and quote around it', '"\\"jo@example.com\\/x\\""', '"\\"[REDACTED:email]/x\\""'],
    ['an escaped backslash before u0040 (decoded by the view)', '"jo\\\\u0040example.com"', EMAIL],
    ['a percent-escape in a URL', '"https://x.test/?to=jo%40example.com"', '"https://x.test/?to=[REDACTED:email]"'],
    ['a full-width address', '"ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"', EMAIL],
  ])('decodes string escapes before detecting: %s', (_name, json, expected) => {
    expect(mask(json).text).toBe(expected);
  });

  it('re-encodes a masked string as a JSON string literal', () => {
    const result = mask('["line\\nbreak \\"q\\" \\u0001 jo@example.com \\ud800"]');
    expect(result.text).toBe('["line\\nbreak \\"q\\" \\u0001 [REDACTED:email] \\ud800"]');
    expect(JSON.parse(result.text)).toEqual(['line\nbreak "q" \u0001 [REDACTED:email] \ud800']);
  });

  it('runs detectors on keys', () => {
    expect(mask('{"jo@example.com": 1, "k\\u0040example.com": {"4111111111111111": 2}}')).toEqual({
      text: `{${EMAIL}: 1, ${EMAIL}: {${CARD}: 2}}`,
      findings: { email: 2, card: 1 },
    });
  });

  it.each([
    '4111111111111111',
    '-4111111111111111',
    '4111111111111111.0',
    '4111111111111111.000',
    '4.111111111111111e15',
    '4.111111111111111E+15',
    '41111111111111110e-1',
    '4111111111111111E+0',
    '4111111111111111e-0',
    '0.4111111111111111e16',
    '411111111111111100e-2',
    '4111111111111111.000e0',
    '4512345678901234564', // 19 digits, beyond 2^53
    '4.512345678901234564e18',
    '4512345678901234564.0',
  ])('masks a card number written %s', (number) => {
    expect(mask(`{"n":${number}}`)).toEqual({ text: `{"n":${CARD}}`, findings: { card: 1 } });
    expect(mask(` ${number} `).text).toBe(` ${CARD} `);
  });

  it.each(['4111111111111111.5', '4.1111111111111115e15'])('masks the integer part of a number with a fraction, as text would: %s', (number) => {
    expect(maskJson(`{"n": ${number}}`, { name: 'c', detectors: ['card'], fields: [], columns: [] }).findings).toEqual({ card: 1 });
  });

  it.each(['4111111111111112.5', '4111111111111112', '4.111111111111112e15', '1e15', '4111111111111111e-1', '4111e999999999999'])(
    'leaves a number that is no card as it is: %s',
    (number) => {
      expect(mask(`[${number}]`).text).toBe(`[${number}]`);
    },
  );

  it('redacts field-rule values of any type, case-insensitively, without looking inside', () => {
    const json = '{"Password":"hunter2","ssn":123456789,"nested":{"PASSWORD":{"a":"jo@example.com"},"list":[{"SsN":null}]},"pass":"jo@example.com","password":[1,{"x":true}],"SSN":false}';
    expect(mask(json)).toEqual({
      text: '{"Password":"[REDACTED]","ssn":"[REDACTED]","nested":{"PASSWORD":"[REDACTED]","list":[{"SsN":"[REDACTED]"}]},"pass":"[REDACTED:email]","password":"[REDACTED]","SSN":"[REDACTED]"}',
      findings: { field: 6, email: 1 },
    });
  });

  it.each([
    ['an escaped key', '{"pass\\u0077ord": 1}'],
    ['a full-width key', '{"ＰＡＳＳＷＯＲＤ": 1}'],
    ['a key with a zero-width space', '{"pass\u200bword": 1}'],
    ['a key with a soft hyphen', '{"pass\u00adword": 1}'],
    ['a percent-encoded key', '{"pass%77ord": 1}'],
  ])('applies field rules to %s', (_name, json) => {
    expect(mask(json).findings).toEqual({ field: 1 });
    expect(mask(json).text).toMatch(/: "\[REDACTED\]"\}$/);
  });

  it('tokenises field values from their decoded string or compact JSON text', () => {
    const tokens = { ...profile, styles: { field: 'tokenise' as const }, tokenKey: new Uint8Array(32).fill(7) };
    const first = JSON.parse(maskJson('{"password": "hun\\u0074er2", "ssn": {"a": [1, 2]}}', tokens).text);
    const second = JSON.parse(maskJson('{"PASSWORD":"hunter2","SSN":{ "a" : [ 1 , 2 ] }}', tokens).text);
    expect(first.password).toMatch(/^tok_field_[0-9a-f]{24}$/);
    expect(second).toEqual({ PASSWORD: first.password, SSN: first.ssn });
    expect(first.password).not.toBe(first.ssn);
  });

  it('masks a field rule under a key that is itself masked', () => {
    const fields: MaskingProfile = { ...profile, fields: ['jo@example.com'] };
    expect(maskJson('{"jo@example.com": {"x": 1}}', fields).text).toBe(`{${EMAIL}: "[REDACTED]"}`);
  });

  it('masks JSON held in a string (double-encoded): field rules and detectors inside, re-encoded', () => {
    const inner = JSON.stringify({ password: 'hunter2', e: 'jo@example.com', n: 4.111111111111111e15 });
    const json = JSON.stringify({ payload: inner });
    const result = mask(json);
    expect(result.findings).toEqual({ field: 1, email: 1, card: 1 });
    expect(JSON.parse(JSON.parse(result.text).payload)).toEqual({ password: '[REDACTED]', e: '[REDACTED:email]', n: '[REDACTED:card]' });
    // a string that only looks like a document is text
    expect(mask('["[not json, jo@example.com]"]').text).toBe('["[not json, [REDACTED:email]]"]');
  });

  it('applies field rules inside double-encoded JSON without any detector', () => {
    const fieldsOnly: MaskingProfile = { name: 'f', detectors: [], fields: ['password'], columns: [] };
    const json = JSON.stringify({ payload: JSON.stringify({ password: 'hunter2' }), other: '{"password": 1}' });
    const result = maskJson(json, fieldsOnly);
    expect(JSON.parse(result.text)).toEqual({ payload: '{"password":"[REDACTED]"}', other: '{"password": "[REDACTED]"}' });
  });

  it('gives detectors the enclosing key as context (arrays pass theirs on), keys none', () => {
    const seen: [string, string | undefined][] = [];
    const spy: Detector = { ...emailDetector, mayMatchView: () => true, find: (text: string, _out: unknown, context?: DetectionContext) => void seen.push([text, context?.key]) };
    const compiled = { ...compileProfile({ name: 's', detectors: ['email'], fields: [], columns: [] }), detectors: [spy] };
    maskJsonWith('{"api_key":"abc","list":{"tokens":["x",["y"]]},"n":12345678,"s":[{"inner":"z"}]}', compiled, {});
    expect(seen).toEqual([
      ['api_key', undefined], ['abc', 'api_key'], ['list', undefined], ['tokens', undefined], ['x', 'tokens'], ['y', 'tokens'],
      ['n', undefined], ['12345678', 'n'], ['s', undefined], ['inner', undefined], ['z', 'inner'],
    ]);
  });

  it('leaves card numbers alone when the profile has no card detector', () => {
    const emailsOnly: MaskingProfile = { name: 'e', detectors: ['email'], fields: [], columns: [] };
    expect(maskJson('[4111111111111111,"4111111111111111"]', emailsOnly).text).toBe('[4111111111111111,"4111111111111111"]');
  });

  it('keeps a "__proto__" key as data', () => {
    expect(mask('{"__proto__":{"e":"jo@example.com"},"password":1}').text).toBe(`{"__proto__":{"e":${EMAIL}},"password":"[REDACTED]"}`);
  });

  it('masks duplicate keys each', () => {
    expect(mask('{"a":"jo@example.com","a":"jo@example.com","password":1,"password":2}').findings).toEqual({ email: 2, field: 2 });
  });

  it(`scans iteratively: ${MAX_JSON_DEPTH} levels are masked, deeper is refused, never a stack overflow`, () => {
    const nested = (depth: number): string => '['.repeat(depth) + '"jo@example.com"' + ']'.repeat(depth);
    expect(mask(nested(MAX_JSON_DEPTH)).text).toBe(nested(MAX_JSON_DEPTH).replace('"jo@example.com"', EMAIL));
    for (const depth of [MAX_JSON_DEPTH + 1, 200_000]) {
      expect(() => mask(nested(depth))).toThrow(expect.objectContaining({ name: 'MaskingError', code: 'INVALID_JSON' }));
    }
    expect(() => mask('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
  });

  it.each([
    ['empty', ''],
    ['whitespace', ' \n'],
    ['unclosed object', '{"card": 4111111111111111'],
    ['unclosed array', '[4111111111111111,'],
    ['lone closer', '}'],
    ['trailing comma in an object', '{"a":"jo@example.com",}'],
    ['trailing comma in an array', '["jo@example.com",]'],
    ['single quotes', "{'a':'jo@example.com'}"],
    ['bare key', '{a:"jo@example.com"}'],
    ['number as key', '{4111111111111111:1}'],
    ['missing colon', '{"a" "jo@example.com"}'],
    ['missing comma', '{"a":1 "b":"jo@example.com"}'],
    ['leading zero', '[04111111111111111]'],
    ['bare fraction', '[.4111111111111111]'],
    ['empty fraction', '[4111111111111111.]'],
    ['empty exponent', '[4111111111111111e]'],
    ['plus sign', '[+4111111111111111]'],
    ['bare minus', '[-]'],
    ['NaN', '[NaN]'],
    ['Infinity', '[Infinity]'],
    ['raw control character', '["jo@example.com\u0001"]'],
    ['raw newline in a string', '["jo@example.com\n"]'],
    ['invalid escape', '["jo@example.com\\x41"]'],
    ['short unicode escape', '["jo@example.com\\u004"]'],
    ['unterminated string', '["jo@example.com'],
    ['trailing garbage', '{"a":"jo@example.com"} x'],
    ['two documents', '{"a":"jo@example.com"}{"b":1}'],
    ['truncated literal', '[tru]'],
    ['capitalised literal', '[True]'],
    ['byte-order mark', '\ufeff{"a":"jo@example.com"}'],
    ['plain text', 'jo@example.com 4111111111111111'],
    ['comment', '{"a":1 /* jo@example.com */}'],
  ])('throws INVALID_JSON for %s without quoting the body', (_name, json) => {
    let error: unknown;
    try {
      mask(json);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MaskingError);
    expect(error).toMatchObject({ code: 'INVALID_JSON', name: 'MaskingError' });
    const message = (error as Error).message;
    expect(message).not.toMatch(/4111|jo@|example|NaN|True|tru/);
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('ValueMasker.maskJsonOrText', () => {
  const masker = valueMasker({ ...profile, columns: [] });

  it('masks JSON as JSON (field rules apply) and anything else as text', () => {
    const findings: Record<string, number> = {};
    expect(masker.maskJsonOrText('{"password":"x","n":4111111111111111}', findings)).toBe(`{"password":"[REDACTED]","n":${CARD}}`);
    expect(masker.maskJsonOrText('password: x, jo@example.com', findings)).toBe('password: x, [REDACTED:email]');
    expect(masker.maskJsonOrText('[INFO] {"e": jo@example.com', findings)).toBe('[INFO] {"e": [REDACTED:email]');
    expect(findings).toEqual({ field: 1, card: 1, email: 2 });
    const detectorsOnly = valueMasker({ ...profile, fields: [], columns: [] });
    expect(detectorsOnly.maskJsonOrText('{"broken": "jo@example.com"', {})).toBe('{"broken": "[REDACTED:email]"');
  });

  it('refuses what would skip field rules if read as text: broken JSON documents, JSON nested too deep', () => {
    for (const data of ['{"password": "hunter2"', ' [{"password": "hunter2"}', '["a", {"password": 1}', '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)]) {
      expect(() => masker.maskJsonOrText(data, {}), data.slice(0, 20)).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
    }
  });

  it('applies field rules in JSON nested in strings up to eight deep, and refuses deeper nesting', () => {
    const profile: MaskingProfile = { name: 'f', detectors: [], fields: ['password'], columns: [] };
    let doc = '{"password":"hunter2"}';
    for (let i = 0; i < 7; i++) doc = JSON.stringify({ inner: doc });
    expect(maskJson(doc, profile).text).not.toContain('hunter2');
    for (let i = 0; i < 2; i++) doc = JSON.stringify({ inner: doc });
    expect(() => maskJson(doc, profile)).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
  });
});
