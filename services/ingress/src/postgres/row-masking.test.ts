import { describe, expect, it } from 'vitest';
import type { MaskingProfile } from '@portcullis/detectors';
import { OID } from './pg-types.js';
import { rowMasker, type ResultColumn } from './row-masking.js';

const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', 'cards.*'] };

const t = (text: string) => Buffer.from(text, 'utf8');
const hex = (text: string) => Buffer.from(text, 'hex');
const int8 = (value: bigint) => {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(value);
  return out;
};
const float8 = (value: number) => {
  const out = Buffer.alloc(8);
  out.writeDoubleBE(value);
  return out;
};
const jsonb = (text: string) => Buffer.concat([Buffer.of(1), t(text)]);

const SSN = { schema: 'hr', table: 'users', column: 'ssn' };
const CITEXT = 16_500;
const COMPOSITE = 16_600;
const TEXT_ARRAY = 1009;
const INET = 869;

/** `same`: the very buffer that went in. */
type Expected = Buffer | null | 'same';

interface Case {
  readonly column: Partial<ResultColumn> & { readonly typeOid: number; readonly format: 0 | 1 };
  readonly value: Buffer | null;
  readonly expected: Expected;
  readonly findings?: Record<string, number>;
}

function run(c: Case, withProfile: MaskingProfile = profile): { out: Buffer | null; findings: Record<string, number>; row: readonly (Buffer | null)[]; input: (Buffer | null)[] } {
  const masker = rowMasker([{ name: 'c', ...c.column }], withProfile);
  const findings: Record<string, number> = {};
  const input = [c.value];
  const row = masker.mask(input, findings);
  return { out: row[0] ?? null, findings, row, input };
}

function check(c: Case, withProfile: MaskingProfile = profile): void {
  const { out, findings, row, input } = run(c, withProfile);
  if (c.expected === 'same') {
    expect(out).toBe(c.value);
    expect(row).toBe(input);
  } else if (c.expected === null) {
    expect(out).toBeNull();
  } else {
    expect(out?.toString('hex')).toBe(c.expected.toString('hex'));
  }
  expect(findings).toEqual(c.findings ?? {});
}

/** The same case in text and in binary format: `[name (format), case]` rows for it.each. */
const both = (
  name: string,
  typeOid: number,
  extra: Partial<ResultColumn>,
  value: (format: 0 | 1) => Buffer | null,
  expected: (format: 0 | 1) => Expected,
  findings?: Record<string, number>,
): [string, Case][] =>
  ([0, 1] as const).map((format) => [`${name} (${format === 0 ? 'text' : 'binary'})`, { column: { typeOid, format, ...extra }, value: value(format), expected: expected(format), ...(findings ? { findings } : {}) }]);

describe('rowMasker: column and field rules redact whatever the value', () => {
  it.each([
    ...both('text by column rule', OID.text, { source: SSN }, () => t('123-45-6789'), () => t('[REDACTED]'), { column: 1 }),
    ...both('varchar by field rule on the result name, any case', OID.varchar, { name: 'PassWord' }, () => t('hunter2'), () => t('[REDACTED]'), { column: 1 }),
    ...both('an alias of a ruled column', OID.text, { name: 'x', source: SSN }, () => t('1'), () => t('[REDACTED]'), { column: 1 }),
    ...both('field rule on the source column', OID.bpchar, { name: 'p', source: { schema: 's', table: 't', column: 'password' } }, () => t('x'), () => t('[REDACTED]'), { column: 1 }),
    ...both('table wildcard, any schema', OID.name, { source: { schema: 'billing', table: 'cards', column: 'holder' } }, () => t('Ada'), () => t('[REDACTED]'), { column: 1 }),
    ...both('category S type (citext)', CITEXT, { source: SSN, category: 'S' }, () => t('x'), () => t('[REDACTED]'), { column: 1 }),
    ...both('json', OID.json, { source: SSN }, () => t('{"a":1}'), () => t('"[REDACTED]"'), { column: 1 }),
    ...both('jsonb', OID.jsonb, { source: SSN }, (f) => (f === 0 ? t('{"a": 1}') : jsonb('{"a": 1}')), (f) => (f === 0 ? t('"[REDACTED]"') : jsonb('"[REDACTED]"')), { column: 1 }),
    ...[OID.int4, OID.numeric, OID.int8, OID.bytea, OID.uuid, OID.xml, OID.date, TEXT_ARRAY, COMPOSITE].flatMap((oid) => both(`type ${oid}: NULL`, oid, { source: SSN }, () => t('123'), () => null, { column: 1 })),
    ...both('NULL stays NULL, uncounted', OID.text, { source: SSN }, () => null, () => null),
    ...both('another schema is another column', OID.text, { source: { ...SSN, schema: 'public' } }, () => t('123-45-6789'), () => 'same'),
  ])('%s', (_name, c) => check(c));
});

describe('rowMasker: detectors on text-like values', () => {
  const masked = (oid: number, extra: Partial<ResultColumn> = {}) =>
    both(`type ${oid}`, oid, extra, () => t('mail jo@example.com or 4111 1111 1111 1111'), () => t('mail j***@example.com or **** **** **** 1111'), { email: 1, card: 1 });
  it.each([
    ...masked(OID.text),
    ...masked(OID.varchar),
    ...masked(OID.bpchar),
    ...masked(OID.name),
    ...masked(OID.unknown),
    ...masked(CITEXT, { category: 'S' }),
    ...both('xml', OID.xml, {}, () => t('<a href="mailto:jo@example.com">x</a>'), () => t('<a href="mailto:j***@example.com">x</a>'), { email: 1 }),
    ...both('clean text, returned as it came', OID.text, {}, () => t('nothing to see, 2024-01-01'), () => 'same'),
    ...both('non-ASCII text', OID.text, {}, () => t('écrit à jo@example.com, 4111 1111 1111 1111 €'), () => t('écrit à j***@example.com, **** **** **** 1111 €'), { email: 1, card: 1 }),
    // C0 40 is an overlong '@' that a lenient decoder would read
    ...both('invalid UTF-8', OID.text, {}, () => hex('6a6fc0406578616d706c652e636f6d'), () => null, { unscannable: 1 }),
    ...both('invalid UTF-8 without a candidate', OID.varchar, {}, () => hex('ff'), () => null, { unscannable: 1 }),
  ])('%s', (_name, c) => check(c));
});

describe('rowMasker: JSON stays JSON', () => {
  it.each([
    ...both('json', OID.json, {}, () => t('{"e": "jo@example.com", "password": "x", "n": [1, 2]}'), () => t('{"e":"j***@example.com","password":"[REDACTED]","n":[1,2]}'), { email: 1, field: 1 }),
    ...both('jsonb', OID.jsonb, {}, (f) => (f === 0 ? t('{"e": "jo@example.com"}') : jsonb('{"e": "jo@example.com"}')), (f) => (f === 0 ? t('{"e":"j***@example.com"}') : jsonb('{"e":"j***@example.com"}')), { email: 1 }),
    ...both('jsonb, a field rule deep down and a large integer card', OID.jsonb, {}, (f) => (f === 0 ? t('{"a": [{"PASSWORD": 1}], "c": 4111111111111111}') : jsonb('{"a": [{"PASSWORD": 1}], "c": 4111111111111111}')), (f) => (f === 0 ? t('{"a":[{"PASSWORD":"[REDACTED]"}],"c":"************1111"}') : jsonb('{"a":[{"PASSWORD":"[REDACTED]"}],"c":"************1111"}')), { field: 1, card: 1 }),
    ...both('json, an escape spelling the @', OID.json, {}, () => t('["jo\\u0040example.com"]'), () => t('["j***@example.com"]'), { email: 1 }),
    ...both('clean jsonb, passed as written (numbers and spacing kept)', OID.jsonb, {}, (f) => (f === 0 ? t('{"a": 1.000000000000000000001}') : jsonb('{"a": 1.000000000000000000001}')), () => 'same'),
    [`binary jsonb of an unknown version`, { column: { typeOid: OID.jsonb, format: 1 }, value: Buffer.concat([Buffer.of(2), t('{}')]), expected: null, findings: { unscannable: 1 } }],
    [`text json that is not JSON`, { column: { typeOid: OID.json, format: 0 }, value: t('{"a": "jo@example.com"'), expected: null, findings: { unscannable: 1 } }],
    [`invalid UTF-8`, { column: { typeOid: OID.json, format: 0 }, value: hex('22ff22'), expected: null, findings: { unscannable: 1 } }],
  ] as [string, Case][])('%s', (_name, c) => check(c));

  it('applies field rules inside JSON without any detector', () => {
    const fieldsOnly: MaskingProfile = { name: 'f', detectors: [], fields: ['password'], columns: [] };
    check({ column: { typeOid: OID.jsonb, format: 0 }, value: t('{"password": "jo@example.com"}'), expected: t('{"password":"[REDACTED]"}'), findings: { field: 1 } }, fieldsOnly);
    check({ column: { typeOid: OID.text, format: 0 }, value: t('jo@example.com'), expected: 'same' }, fieldsOnly);
  });
});

describe('rowMasker: numbers that can hold a card number are NULL when they do', () => {
  it.each([
    ['int8 text', { typeOid: OID.int8, format: 0 }, t('4111111111111111'), null],
    ['int8 text, negative', { typeOid: OID.int8, format: 0 }, t('-4111111111111111'), null],
    ['int8 text, Luhn-invalid', { typeOid: OID.int8, format: 0 }, t('1234567812345678'), 'same'],
    ['int8 binary', { typeOid: OID.int8, format: 1 }, int8(4111111111111111n), null],
    ['int8 binary, negative', { typeOid: OID.int8, format: 1 }, int8(-4111111111111111n), null],
    ['int8 binary, small', { typeOid: OID.int8, format: 1 }, int8(42n), 'same'],
    ['int8 binary, extreme', { typeOid: OID.int8, format: 1 }, int8(-9223372036854775808n), 'same'],
    ['numeric text', { typeOid: OID.numeric, format: 0 }, t('4111111111111111.00'), null],
    ['numeric text, NaN', { typeOid: OID.numeric, format: 0 }, t('NaN'), 'same'],
    ['numeric binary', { typeOid: OID.numeric, format: 1 }, hex('0004000300000000100f045704570457'), null],
    ['numeric binary, negative, scale 2', { typeOid: OID.numeric, format: 1 }, hex('0004000340000002100f045704570457'), null],
    ['numeric binary, fraction digits', { typeOid: OID.numeric, format: 1 }, hex('0007000300000009100f04570457045704d2162e2328'), null],
    ['numeric binary, split by the point', { typeOid: OID.numeric, format: 1 }, hex('0004000100000008100f045704570457'), 'same'],
    ['numeric binary, ×10^4', { typeOid: OID.numeric, format: 1 }, hex('0004000400000000100f045704570457'), 'same'],
    ['numeric binary, NaN', { typeOid: OID.numeric, format: 1 }, hex('00000000c0000000'), 'same'],
    ['numeric binary, -Infinity', { typeOid: OID.numeric, format: 1 }, hex('00000000f0000020'), 'same'],
    ['numeric binary, 12.3400', { typeOid: OID.numeric, format: 1 }, hex('0002000000000004000c0d48'), 'same'],
    ['float8 text, exponent form', { typeOid: OID.float8, format: 0 }, t('4.111111111111111e+15'), null],
    ['float8 text, plain', { typeOid: OID.float8, format: 0 }, t('4222222222222'), null],
    ['float8 text, small', { typeOid: OID.float8, format: 0 }, t('1.5'), 'same'],
    ['float8 text, Infinity', { typeOid: OID.float8, format: 0 }, t('-Infinity'), 'same'],
    ['float8 binary', { typeOid: OID.float8, format: 1 }, float8(4111111111111111), null],
    ['float8 binary, small', { typeOid: OID.float8, format: 1 }, float8(1.5), 'same'],
    ['float8 binary, NaN', { typeOid: OID.float8, format: 1 }, float8(Number.NaN), 'same'],
    ['money text', { typeOid: OID.money, format: 0 }, t('$4,111,111,111,111,111.00'), null],
    ['money text, another locale', { typeOid: OID.money, format: 0 }, t('4.111.111.111.111.111,00 €'), null],
    ['money text, small', { typeOid: OID.money, format: 0 }, t('$12.50'), 'same'],
    ['money binary (cents)', { typeOid: OID.money, format: 1 }, hex('05b48f609cfe71bc'), null],
    ['money binary, negative', { typeOid: OID.money, format: 1 }, hex('fa4b709f63018e44'), null],
    ['money binary, small', { typeOid: OID.money, format: 1 }, hex('00000000000004e2'), 'same'],
  ] as [string, Case['column'], Buffer, Expected][])('%s', (_name, column, value, expected) => {
    check({ column, value, expected, ...(expected === null ? { findings: { card: 1 } } : {}) });
  });

  it.each([
    ['int8 binary of 4 bytes', { typeOid: OID.int8, format: 1 }, hex('00000001')],
    ['float8 binary of 4 bytes', { typeOid: OID.float8, format: 1 }, hex('3ff80000')],
    ['money binary of 9 bytes', { typeOid: OID.money, format: 1 }, hex('000000000000000000')],
    ['malformed numeric binary', { typeOid: OID.numeric, format: 1 }, hex('0002000000000000000c')],
  ] as [string, Case['column'], Buffer][])('cannot decode %s: NULL', (_name, column, value) => {
    check({ column, value, expected: null, findings: { unscannable: 1 } });
  });
});

describe('rowMasker: types that cannot hold such data pass untouched', () => {
  const inert = [
    [OID.bool, 't', '01'],
    [OID.int2, '4111', '1010'],
    [OID.int4, '411111111', '18806a07'],
    [OID.oid, '4111111111', 'f50a0147'],
    [OID.float4, '4.111111e+15', '596992ab'],
    [OID.date, '2024-01-01', '00002248'],
    [OID.time, '12:00:00', '0000000a0ee2c000'],
    [OID.timetz, '12:00:00+00', '0000000a0ee2c00000000000'],
    [OID.timestamp, '2024-01-01 12:00:00', '0002b3c1b6e5c000'],
    [OID.timestamptz, '2024-01-01 12:00:00+00', '0002b3c1b6e5c000'],
    [OID.interval, '4111111111111111 days', '000000000000000000000000'],
    [OID.uuid, '784a2e20-8669-42bd-8adc-d41423c39b3d', '784a2e20866942bd8adcd41423c39b3d'],
    // masking does not look inside bytea, in either bytea_output
    [OID.bytea, '\\x6a6f406578616d706c652e636f6d', '6a6f406578616d706c652e636f6d'],
    [OID.bytea, 'jo@example.com 4111111111111111', '6a6f406578616d706c652e636f6d'],
  ] as const;
  it.each(inert)('type %i', (typeOid, text, binary) => {
    check({ column: { typeOid, format: 0 }, value: t(text), expected: 'same' });
    check({ column: { typeOid, format: 1 }, value: hex(binary), expected: 'same' });
  });
});

describe('rowMasker: anything else', () => {
  it.each([
    ['text[] with an address', { typeOid: TEXT_ARRAY, format: 0 }, t('{jo@example.com,x}'), null, { email: 1 }],
    ['text[] clean', { typeOid: TEXT_ARRAY, format: 0 }, t('{a,b}'), 'same', {}],
    ['composite', { typeOid: COMPOSITE, format: 0, category: 'C' }, t('(jo@example.com,1)'), null, { email: 1 }],
    ['a range of int8', { typeOid: 3926, format: 0 }, t('[4111111111111111,4111111111111112)'), null, { card: 1 }],
    ['inet', { typeOid: INET, format: 0 }, t('10.0.0.1'), 'same', {}],
    ['an unknown type without a category', { typeOid: 99_999, format: 0 }, t('jo@example.com'), null, { email: 1 }],
    ['an unknown type of category S is a string', { typeOid: 99_999, format: 0, category: 'S' }, t('jo@example.com'), t('j***@example.com'), { email: 1 }],
    ['text that is not UTF-8', { typeOid: TEXT_ARRAY, format: 0 }, hex('7bff7d'), null, { unscannable: 1 }],
    ['binary text[]', { typeOid: TEXT_ARRAY, format: 1 }, hex('0000000100000000000000190000000100000001000000066140622e696f'), null, { unscannable: 1 }],
    ['binary inet', { typeOid: INET, format: 1 }, hex('022000040a000001'), null, { unscannable: 1 }],
  ] as [string, Case['column'], Buffer, Expected, Record<string, number>][])('%s', (_name, column, value, expected, findings) => {
    check({ column, value, expected, findings });
  });

  it('passes binary values of other types when the profile has no detector', () => {
    const rulesOnly: MaskingProfile = { name: 'r', detectors: [], fields: [], columns: ['hr.users.ssn'] };
    check({ column: { typeOid: TEXT_ARRAY, format: 1 }, value: hex('00'), expected: 'same' }, rulesOnly);
  });
});

describe('rowMasker: rows', () => {
  const columns: ResultColumn[] = [
    { name: 'id', typeOid: OID.int4, format: 1 },
    { name: 'email', typeOid: OID.text, format: 0 },
    { name: 'ssn', typeOid: OID.text, format: 0, source: SSN },
    { name: 'note', typeOid: OID.varchar, format: 0 },
  ];

  it('returns the same array when nothing changed, and a copy holding the untouched buffers otherwise', () => {
    const masker = rowMasker(columns, profile);
    const findings: Record<string, number> = {};
    const clean = [hex('00000001'), t('nobody'), null, t('hi')];
    expect(masker.mask(clean, findings)).toBe(clean);
    const dirty = [hex('00000002'), t('jo@example.com'), t('123-45-6789'), t('hi')];
    const out = masker.mask(dirty, findings);
    expect(out).not.toBe(dirty);
    expect(dirty[1]!.toString()).toBe('jo@example.com'); // the input is not modified
    expect(out[0]).toBe(dirty[0]);
    expect(out[3]).toBe(dirty[3]);
    expect(out.map((v) => v?.toString())).toEqual([dirty[0]!.toString(), 'j***@example.com', '[REDACTED]', 'hi']);
    masker.mask(dirty, findings);
    expect(findings).toEqual({ email: 2, column: 2 });
  });

  it('is inactive when no column can need masking', () => {
    expect(rowMasker(columns, { name: 'none', detectors: [], fields: [], columns: [] }).active).toBe(false);
    expect(rowMasker([columns[0]!, { name: 'at', typeOid: OID.timestamptz, format: 0 }], profile).active).toBe(false);
    expect(rowMasker(columns, { name: 'f', detectors: [], fields: ['password'], columns: [] }).active).toBe(false);
    expect(rowMasker(columns, { name: 'c', detectors: [], fields: [], columns: ['hr.users.ssn'] }).active).toBe(true);
    expect(rowMasker([{ name: 'doc', typeOid: OID.jsonb, format: 1 }], { name: 'f', detectors: [], fields: ['password'], columns: [] }).active).toBe(true);
    expect(rowMasker(columns, profile).active).toBe(true);
  });

  it('refuses a row that does not fit its description', () => {
    const masker = rowMasker(columns, profile);
    expect(() => masker.mask([null, null], {})).toThrow(expect.objectContaining({ code: 'ROW_SHAPE' }));
  });

  it('refuses a profile it cannot apply', () => {
    expect(() => rowMasker(columns, { ...profile, columns: ['ssn'] })).toThrow(expect.objectContaining({ code: 'INVALID_COLUMN_PATTERN' }));
  });
});
