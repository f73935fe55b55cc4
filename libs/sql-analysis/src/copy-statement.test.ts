import { beforeAll, describe, expect, it } from 'vitest';
import { SqlAnalyzer, type CopyFormat } from './index.js';

let analyzer: SqlAnalyzer;
beforeAll(async () => {
  analyzer = await SqlAnalyzer.create({ cacheSize: 0 });
});

const TEXT: CopyFormat = { format: 'text', delimiter: '\t', null: '\\N', quote: '', escape: '', header: false };
const CSV: CopyFormat = { format: 'csv', delimiter: ',', null: '', quote: '"', escape: '"', header: false };
const BINARY: CopyFormat = { format: 'binary', delimiter: '', null: '', quote: '', escape: '', header: false };

describe('copyStatement: direction, target, stdio', () => {
  it.each([
    ['COPY t TO STDOUT', 'to', { kind: 'table', table: 't' }, true],
    ['copy Hr."Users" (id, "E-Mail", Name) to stdout', 'to', { kind: 'table', schema: 'hr', table: 'Users', columns: ['id', 'E-Mail', 'name'] }, true],
    ['COPY db.s.t TO STDOUT', 'to', { kind: 'table', schema: 's', table: 't' }, true],
    ['COPY (SELECT * FROM t WHERE a > 1) TO STDOUT', 'to', { kind: 'query' }, true],
    ['COPY (DELETE FROM t RETURNING *) TO STDOUT', 'to', { kind: 'query' }, true],
    ["COPY t TO '/tmp/t.csv'", 'to', { kind: 'table', table: 't' }, false],
    ["COPY t TO PROGRAM 'gzip > /tmp/t.gz'", 'to', { kind: 'table', table: 't' }, false],
    ['COPY t FROM STDIN', 'from', { kind: 'table', table: 't' }, true],
    ['COPY t (a) FROM STDIN WHERE a > 0', 'from', { kind: 'table', table: 't', columns: ['a'] }, true],
    ["COPY t FROM '/etc/passwd'", 'from', { kind: 'table', table: 't' }, false],
    ["COPY t FROM PROGRAM 'id'", 'from', { kind: 'table', table: 't' }, false],
  ] as const)('%s', (sql, direction, target, stdio) => {
    expect(analyzer.copyStatement(sql)).toEqual({ ok: true, direction, target, stdio, format: TEXT });
  });
});

describe('copyStatement: the data layout, with PostgreSQL defaults', () => {
  it.each([
    // defaults
    ['COPY t TO STDOUT', TEXT],
    ['COPY t TO STDOUT WITH (FORMAT text)', TEXT],
    ["COPY t TO STDOUT (FORMAT 'text')", TEXT],
    ['COPY t TO STDOUT WITH (FORMAT csv)', CSV],
    ['COPY t TO STDOUT (FORMAT binary)', BINARY],
    // the current syntax
    ["COPY t TO STDOUT WITH (FORMAT csv, DELIMITER ';', HEADER)", { ...CSV, delimiter: ';', header: true }],
    ["COPY t TO STDOUT (FORMAT csv, QUOTE '''', ESCAPE '\\', NULL 'NULL')", { ...CSV, quote: "'", escape: '\\', null: 'NULL' }],
    ["COPY t TO STDOUT (FORMAT csv, QUOTE '|')", { ...CSV, quote: '|', escape: '|' }],
    ["COPY t TO STDOUT (DELIMITER '|', NULL '')", { ...TEXT, delimiter: '|', null: '' }],
    ["COPY t TO STDOUT (DELIMITER E'\\x01')", { ...TEXT, delimiter: '\x01' }],
    ['COPY t TO STDOUT (FORMAT csv, DELIMITER E\'\\t\')', { ...CSV, delimiter: '\t' }],
    ['COPY t TO STDOUT (FORMAT csv, DELIMITER 1)', { ...CSV, delimiter: '1' }],
    ['COPY t TO STDOUT (HEADER)', { ...TEXT, header: true }],
    ['COPY t TO STDOUT (FORMAT csv, HEADER true)', { ...CSV, header: true }],
    ['COPY t TO STDOUT (FORMAT csv, HEADER on)', { ...CSV, header: true }],
    ["COPY t TO STDOUT (FORMAT csv, HEADER 'TRUE')", { ...CSV, header: true }],
    ['COPY t TO STDOUT (FORMAT csv, HEADER 1)', { ...CSV, header: true }],
    ['COPY t TO STDOUT (FORMAT csv, HEADER false)', CSV],
    ['COPY t TO STDOUT (FORMAT csv, HEADER off)', CSV],
    ['COPY t TO STDOUT (FORMAT csv, HEADER 0)', CSV],
    ['COPY t FROM STDIN (FORMAT csv, HEADER match)', { ...CSV, header: true }],
    ["COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE *, ENCODING 'UTF8')", CSV],
    ["COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (a, b), ENCODING 'utf-8')", CSV],
    ["COPY t TO STDOUT (ENCODING 'Unicode')", TEXT],
    // the old syntax
    ["COPY t TO STDOUT CSV HEADER DELIMITER ';'", { ...CSV, delimiter: ';', header: true }],
    ["COPY t TO STDOUT WITH CSV HEADER QUOTE AS '''' ESCAPE AS '\\' NULL AS 'x' FORCE QUOTE *", { ...CSV, quote: "'", escape: '\\', null: 'x', header: true }],
    ["COPY t TO STDOUT WITH DELIMITER AS '|' NULL AS ''", { ...TEXT, delimiter: '|', null: '' }],
    ["COPY t TO STDOUT USING DELIMITERS '|'", { ...TEXT, delimiter: '|' }],
    ['COPY BINARY t TO STDOUT', BINARY],
    ['COPY t TO STDOUT BINARY', BINARY],
    ["COPY t TO STDOUT CSV ENCODING 'UTF8'", CSV],
    ['COPY t FROM STDIN CSV FORCE NOT NULL a FREEZE', CSV],
    ['COPY (SELECT 1) TO STDOUT WITH CSV', CSV],
  ] as const)('%s', (sql, format) => {
    expect(analyzer.copyStatement(sql)).toMatchObject({ ok: true, format });
  });
});

describe('copyStatement: refusals', () => {
  it.each([
    // not one COPY statement
    ['SELECT 1', 'NOT_A_COPY'],
    ['COPY t TO STDOUT; SELECT 1', 'NOT_A_COPY'],
    ['COPY t TO STDOUT; COPY u TO STDOUT', 'NOT_A_COPY'],
    ['DO $$ BEGIN COPY t TO STDOUT; END $$', 'NOT_A_COPY'],
    ['', 'SQL_EMPTY'],
    ['COPY t TO', 'SQL_SYNTAX'],
    ['COPY t TO STDOUT WITH OIDS', 'SQL_SYNTAX'],
    ['COPY t TO STDOUT -- \0', 'SQL_UNSUPPORTED'],
    // options PostgreSQL rejects, or this reader cannot vouch for
    ["COPY t TO STDOUT (FORMAT 'CSV')", 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (FORMAT parquet)', 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (FORMAT)', 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (FORMAT csv, FORMAT csv)', 'COPY_OPTIONS'],
    ['COPY BINARY t TO STDOUT (FORMAT csv)', 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER ';', DELIMITER ',')", 'COPY_OPTIONS'],
    ['COPY t TO STDOUT ("FORMAT" csv)', 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (foo bar)', 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (convert_selectively (a))', 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (ENCODING 'LATIN1')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (ENCODING 'SJIS')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT CSV ENCODING 'win1252'", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER ';;')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER '')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER 'é')", 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (DELIMITER)', 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER E'\\n')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT csv, DELIMITER E'\\r')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER '\\')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER 'a')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (DELIMITER '.')", 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (DELIMITER 7)', 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (NULL E'a\\nb')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (NULL 'a,b', DELIMITER ',')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT csv, NULL '\"\"')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT csv, DELIMITER '\"')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT csv, QUOTE '')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT csv, ESCAPE 'ab')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (QUOTE '\"')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (ESCAPE '\\')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT binary, DELIMITER ',')", 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT binary, NULL '')", 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (FORMAT binary, HEADER)', 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (FORMAT csv, HEADER match)', 'COPY_OPTIONS'],
    ['COPY t TO STDOUT (FORMAT csv, HEADER 2)', 'COPY_OPTIONS'],
    ["COPY t TO STDOUT (FORMAT csv, HEADER 'yes')", 'COPY_OPTIONS'],
  ] as const)('%s: %s', (sql, code) => {
    const result = analyzer.copyStatement(sql);
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok || result.message.length > 0).toBe(true);
  });

  it('says why, without quoting data', () => {
    expect(analyzer.copyStatement("COPY t TO STDOUT (ENCODING 'LATIN1')")).toEqual({ ok: false, code: 'COPY_OPTIONS', message: 'COPY ENCODING "LATIN1": only UTF-8 data can be masked' });
    expect(analyzer.copyStatement("COPY t TO STDOUT (FORMAT csv, FORMAT text)")).toEqual({ ok: false, code: 'COPY_OPTIONS', message: 'COPY option "format" is given twice' });
    expect(analyzer.copyStatement('COPY t TO STDOUT (foo bar)')).toEqual({ ok: false, code: 'COPY_OPTIONS', message: 'COPY option "foo" is not one this reader knows' });
  });

  it('refuses texts the parser must not see, like analyze does', async () => {
    const small = await SqlAnalyzer.create({ cacheSize: 0, maxStatementBytes: 10 });
    expect(small.copyStatement('COPY t TO STDOUT')).toMatchObject({ ok: false, code: 'SQL_TOO_LARGE' });
    const deep = `COPY (SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}) TO STDOUT`;
    expect(analyzer.copyStatement(deep)).toMatchObject({ ok: false, code: 'SQL_TOO_DEEP' });
  });
});
