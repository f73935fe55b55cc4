import { describe, expect, it } from 'vitest';
import type { MaskingProfile } from '@portcullis/detectors';
import type { CopyFormat } from '@portcullis/sql-analysis';
import { copyMasker, type CopyColumn, type CopyMasker } from './copy-masking.js';

const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn'] };
const detectorsOnly: MaskingProfile = { ...profile, fields: [], columns: [] };

const TEXT: CopyFormat = { format: 'text', delimiter: '\t', null: '\\N', quote: '', escape: '', header: false };
const CSV: CopyFormat = { format: 'csv', delimiter: ',', null: '', quote: '"', escape: '"', header: false };
const BINARY: CopyFormat = { format: 'binary', delimiter: '', null: '', quote: '', escape: '', header: false };

const SSN = { schema: 'hr', table: 'users', column: 'ssn' };
const COLUMNS: CopyColumn[] = [{ name: 'id' }, { name: 'email' }, { name: 'ssn', source: SSN }, { name: 'note' }];

function masker(format: CopyFormat, columns: readonly CopyColumn[] | undefined = COLUMNS, withProfile = profile, maxRowBytes?: number): CopyMasker {
  const outcome = copyMasker(columns, format, withProfile, maxRowBytes === undefined ? {} : { maxRowBytes });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.masker;
}

/** Pushes the chunks one by one; returns everything sent and the findings. */
function run(m: CopyMasker, chunks: readonly string[]): { text: string; findings: Record<string, number> } {
  const findings: Record<string, number> = {};
  const out = chunks.map((chunk) => m.push(Buffer.from(chunk, 'utf8'), findings));
  out.push(m.end());
  return { text: Buffer.concat(out).toString('utf8'), findings };
}

// COPY t TO STDOUT output of PostgreSQL 15 for the rows
// (1, 'jo@example.com', '123-45-6789', E'tab\there, new\nline, back\\slash, cr\rhere'),
// (2, NULL, '', E'say "hi", 4111 1111 1111 1111'), (3, 'x,y;z', NULL, 'é ü \.')
const PG_TEXT = [
  '1\tjo@example.com\t123-45-6789\ttab\\there, new\\nline, back\\\\slash, cr\\rhere\n',
  '2\t\\N\t\tsay "hi", 4111 1111 1111 1111\n',
  '3\tx,y;z\t\\N\té ü \\\\.\n',
];
const PG_CSV_HEADER = [
  'id,email,ssn,note\n',
  '1,jo@example.com,123-45-6789,"tab\there, new\nline, back\\slash, cr\rhere"\n',
  '2,,"","say ""hi"", 4111 1111 1111 1111"\n',
  '3,"x,y;z",,é ü \\.\n',
];
// … WITH (FORMAT csv, QUOTE '''', ESCAPE '\', DELIMITER ';', NULL 'NULL')
const PG_CSV_CUSTOM = [
  "1;jo@example.com;123-45-6789;'tab\there, new\nline, back\\\\slash, cr\rhere'\n",
  '2;NULL;;say "hi", 4111 1111 1111 1111\n',
  "3;'x,y;z';NULL;é ü \\.\n",
];

describe('copyMasker: PostgreSQL output, masked', () => {
  it('text: detectors on decoded fields, column rules redact, NULL stays, escapes re-written', () => {
    expect(run(masker(TEXT), PG_TEXT)).toEqual({
      text: [
        '1\tj***@example.com\t[REDACTED]\ttab\\there, new\\nline, back\\\\slash, cr\\rhere\n',
        '2\t\\N\t[REDACTED]\tsay "hi", **** **** **** 1111\n',
        '3\tx,y;z\t\\N\té ü \\\\.\n',
      ].join(''),
      findings: { email: 1, card: 1, column: 2 },
    });
  });

  it('CSV: header passed through, quoted fields with delimiters, newlines and quotes', () => {
    expect(run(masker({ ...CSV, header: true }), PG_CSV_HEADER)).toEqual({
      text: [
        'id,email,ssn,note\n',
        '1,"j***@example.com","[REDACTED]","tab\there, new\nline, back\\slash, cr\rhere"\n',
        '2,,"[REDACTED]","say ""hi"", **** **** **** 1111"\n',
        '3,"x,y;z",,é ü \\.\n',
      ].join(''),
      findings: { email: 1, card: 1, column: 2 },
    });
  });

  it('CSV with its own quote, escape, delimiter and NULL string', () => {
    const format: CopyFormat = { ...CSV, quote: "'", escape: '\\', delimiter: ';', null: 'NULL' };
    expect(run(masker(format), PG_CSV_CUSTOM).text).toBe(
      [
        "1;'j***@example.com';'[REDACTED]';'tab\there, new\nline, back\\\\slash, cr\rhere'\n",
        "2;NULL;'[REDACTED]';'say \"hi\", **** **** **** 1111'\n",
        "3;'x,y;z';NULL;é ü \\.\n",
      ].join(''),
    );
  });

  it('returns the very buffer it was given when nothing changed', () => {
    const m = masker(TEXT, undefined, detectorsOnly);
    const data = Buffer.from('1\tnobody\t\\N\tplain\n2\ta\\tb\tc\td\n');
    expect(m.push(data, {})).toBe(data);
  });
});

describe('copyMasker: text format escapes', () => {
  const one = (row: string, format: CopyFormat = TEXT) => run(masker(format, undefined, detectorsOnly), [row]);

  it.each([
    ['a tab and a newline around an address', 'x\\tjo@example.com\\ny\n', 'x\\tj***@example.com\\ny\n'],
    ['backslashes', 'c:\\\\jo@example.com\\\\\n', 'c:\\\\j***@example.com\\\\\n'],
    ['an octal escape spelling the @', 'jo\\100example.com\n', 'j***@example.com\n'],
    ['a hex escape spelling a digit', '\\x34111 1111 1111 1111\n', '**** **** **** 1111\n'],
    ['an escaped ordinary character', '\\jo@example.com\n', 'j***@example.com\n'],
    ['\\N inside a value is N', 'x\\N jo@example.com\n', 'xN j***@example.com\n'],
    ['the NULL marker alone', '\\N\tjo@example.com\n', '\\N\tj***@example.com\n'],
    ['an escaped backslash before the delimiter', 'a\\\\\tjo@example.com\n', 'a\\\\\tj***@example.com\n'],
    ['control characters other than the named ones, as written', 'jo@example.com\x01\n', 'j***@example.com\x01\n'],
  ])('%s', (_name, row, expected) => {
    expect(one(row).text).toBe(expected);
  });

  it('escapes the delimiter in what it writes back', () => {
    const format: CopyFormat = { ...TEXT, delimiter: ';' };
    expect(one('a\\;jo@example.com;x\n', format).text).toBe('a\\;j***@example.com;x\n');
    // a delimiter that a masked value would contain: the marker is escaped as well
    const brackets: CopyFormat = { ...TEXT, delimiter: '[' };
    expect(run(masker(brackets), ['1[2[3[4\n']).text).toBe('1[2[\\[REDACTED][4\n');
  });

  it('makes a value that is not UTF-8 NULL (decoded escapes included)', () => {
    expect(one('jo\\377@example.com\tok\n')).toEqual({ text: '\\N\tok\n', findings: { unscannable: 1 } });
    const m = masker(TEXT, undefined, detectorsOnly);
    const findings: Record<string, number> = {};
    const out = m.push(Buffer.concat([Buffer.from('a\t'), Buffer.of(0xc0, 0x40), Buffer.from('x.io\tb\n')]), findings);
    expect(out.toString('latin1')).toBe('a\t\\N\tb\n');
    expect(findings).toEqual({ unscannable: 1 });
  });
});

describe('copyMasker: CSV fields as PostgreSQL reads them', () => {
  const one = (row: string, format: CopyFormat = CSV) => run(masker(format, undefined, detectorsOnly), [row]).text;

  it.each([
    ['a quoted delimiter', '"jo@example.com, x",2\n', '"j***@example.com, x",2\n'],
    ['a quoted newline', '"a\njo@example.com",2\n', '"a\nj***@example.com",2\n'],
    ['doubled quotes', '"say ""jo@example.com""",2\n', '"say ""j***@example.com""",2\n'],
    ['quotes opening mid-field', 'jo"@exa"mple.com,2\n', '"j***@example.com",2\n'],
    ['a card split by quotes that a client joins', '4111"1111"11111111,2\n', '"************1111",2\n'],
    ['an empty quoted string is not NULL', '"",jo@example.com\n', '"","j***@example.com"\n'],
    ['an unquoted empty field is NULL', ',jo@example.com\n', ',"j***@example.com"\n'],
    ['a backslash is no escape by default', '"a\\",jo@example.com\n', '"a\\","j***@example.com"\n'],
  ])('%s', (_name, row, expected) => {
    expect(one(row)).toBe(expected);
  });

  it('reads an escape other than the quote only inside quotes, before a quote or itself', () => {
    const format: CopyFormat = { ...CSV, escape: '\\' };
    expect(one('"a\\"b jo@example.com",x\\y\n', format)).toBe('"a\\"b j***@example.com",x\\y\n');
    expect(one('"a\\\\",jo@example.com\n', format)).toBe('"a\\\\","j***@example.com"\n');
    // written back as COPY TO writes it, escape escaped: it reads back the same
    expect(one('"a\\b jo@example.com"\n', format)).toBe('"a\\\\b j***@example.com"\n');
  });
});

describe('copyMasker: rows across CopyData messages', () => {
  const rows = PG_TEXT.join('');
  const whole = run(masker(TEXT), [rows]).text;

  it('keeps a partial row until it is complete, wherever the data is cut', () => {
    for (let cut = 1; cut < rows.length; cut++) {
      expect(run(masker(TEXT), [rows.slice(0, cut), rows.slice(cut)]).text).toBe(whole);
    }
    expect(run(masker(TEXT), rows.split('')).text).toBe(whole);
  });

  it('sends nothing for a chunk that completes no row', () => {
    const m = masker(TEXT);
    expect(m.push(Buffer.from('1\tjo@exa'), {}).length).toBe(0);
    expect(m.push(Buffer.from('mple.com\t\\'), {}).length).toBe(0); // cut after a backslash
    expect(m.push(Buffer.from('N\tx\n2\t'), {}).toString()).toBe('1\tj***@example.com\t\\N\tx\n');
  });

  it('CSV: a newline inside quotes at the cut does not end the row', () => {
    const data = PG_CSV_HEADER.join('');
    const wholeCsv = run(masker({ ...CSV, header: true }), [data]).text;
    for (let cut = 1; cut < data.length; cut++) {
      expect(run(masker({ ...CSV, header: true }), [data.slice(0, cut), data.slice(cut)]).text).toBe(wholeCsv);
    }
  });

  it('refuses to end inside a row', () => {
    const m = masker(TEXT);
    m.push(Buffer.from('1\tx\ty\tz\n2\t'), {});
    expect(() => m.end()).toThrow(expect.objectContaining({ code: 'COPY_INCOMPLETE_ROW' }));
    const csv = masker(CSV, undefined, detectorsOnly);
    csv.push(Buffer.from('"unterminated\n'), {});
    expect(() => csv.end()).toThrow(expect.objectContaining({ code: 'COPY_INCOMPLETE_ROW' }));
  });

  it('refuses a row over the limit, complete or still arriving', () => {
    expect(() => masker(TEXT, COLUMNS, profile, 16).push(Buffer.from('1\t2\t3\t45678901234567\n'), {})).toThrow(expect.objectContaining({ code: 'COPY_ROW_TOO_LARGE' }));
    const m = masker(TEXT, COLUMNS, profile, 16);
    m.push(Buffer.from('1\t2\t3\t4\n1\t2\t'), {});
    expect(() => m.push(Buffer.from('3\t45678901234'), {})).toThrow(expect.objectContaining({ code: 'COPY_ROW_TOO_LARGE' }));
  });

  it('copies what it keeps: the caller may reuse its buffer', () => {
    const m = masker(TEXT, undefined, detectorsOnly);
    const chunk = Buffer.from('jo@exa');
    m.push(chunk, {});
    chunk.fill(0x20);
    expect(m.push(Buffer.from('mple.com\n'), {}).toString()).toBe('j***@example.com\n');
  });
});

describe('copyMasker: data it cannot read as a client would', () => {
  it.each([
    ['text with a raw carriage return', TEXT, 'a\rb\n'],
    ['CSV with a carriage return outside quotes', CSV, 'a\rb\n'],
  ])('%s', (_name, format, data) => {
    expect(() => masker(format, undefined, detectorsOnly).push(Buffer.from(data), {})).toThrow(expect.objectContaining({ code: 'COPY_MALFORMED' }));
  });

  it('with column rules, a row must have one field per column', () => {
    expect(() => masker(TEXT).push(Buffer.from('1\t2\t3\n'), {})).toThrow(expect.objectContaining({ code: 'COPY_MALFORMED' }));
    expect(() => masker(CSV).push(Buffer.from('1,2,3,"4,5",6\n'), {})).toThrow(expect.objectContaining({ code: 'COPY_MALFORMED' }));
  });
});

describe('copyMasker: what it refuses before any data flows', () => {
  it('binary format, when the profile has anything to apply', () => {
    expect(copyMasker(COLUMNS, BINARY, profile)).toMatchObject({ ok: false, code: 'COPY_BINARY' });
    expect(copyMasker(COLUMNS, BINARY, { ...detectorsOnly })).toMatchObject({ ok: false, code: 'COPY_BINARY' });
    expect(copyMasker(COLUMNS, BINARY, { name: 'c', detectors: [], fields: [], columns: ['a.b'] })).toMatchObject({ ok: false, code: 'COPY_BINARY' });
    const none = copyMasker(undefined, BINARY, { name: 'n', detectors: [], fields: [], columns: [] });
    const data = Buffer.from('PGCOPY\n\xff\r\n\0');
    expect(none.ok && none.masker.push(data, {})).toBe(data);
  });

  it('an unknown column list, when the profile has column or field rules', () => {
    expect(copyMasker(undefined, TEXT, profile)).toMatchObject({ ok: false, code: 'COPY_COLUMNS_UNKNOWN' });
    expect(copyMasker(undefined, CSV, { ...detectorsOnly, fields: ['password'] })).toMatchObject({ ok: false, code: 'COPY_COLUMNS_UNKNOWN' });
    expect(copyMasker(undefined, CSV, detectorsOnly).ok).toBe(true);
  });

  it('a NULL string the detectors would mask', () => {
    expect(copyMasker(COLUMNS, { ...TEXT, null: '4111111111111111' }, profile)).toMatchObject({ ok: false, code: 'COPY_NULL_STRING' });
  });

  it('passes data through when no column is ruled and there is no detector', () => {
    const outcome = copyMasker(COLUMNS, TEXT, { name: 'f', detectors: [], fields: ['password'], columns: ['other.t.c'] });
    const data = Buffer.from('1\tjo@example.com\tx\ty\n');
    expect(outcome.ok && outcome.masker.push(data, {})).toBe(data);
  });

  it('redacts a derived column (computed by a statement that reads a redacted one)', () => {
    const m = masker(TEXT, [{ name: 'id' }, { name: 'upper', derived: true }], { name: 'c', detectors: [], fields: [], columns: ['hr.users.ssn'] });
    expect(run(m, ['1\t123-45-6789\n']).text).toBe('1\t[REDACTED]\n');
  });

  it('redacts by field rule on the COPY column name, any case', () => {
    const m = masker(CSV, [{ name: 'id' }, { name: 'PASSWORD' }], { name: 'f', detectors: [], fields: ['password'], columns: [] });
    expect(run(m, ['1,hunter2\n2,\n']).text).toBe('1,"[REDACTED]"\n2,\n');
  });
});
