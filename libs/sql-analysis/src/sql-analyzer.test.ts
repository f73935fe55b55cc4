import { beforeAll, describe, expect, it } from 'vitest';
import { SqlAnalyzer, type SqlAnalysis, type StatementAnalysis } from './index.js';

let analyzer: SqlAnalyzer;
beforeAll(async () => {
  analyzer = await SqlAnalyzer.create({ cacheSize: 0 });
});

function statements(result: SqlAnalysis): readonly StatementAnalysis[] {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.statements;
}

describe('batches', () => {
  it('splits where the parser splits, with each statement\'s own text', () => {
    const batch = statements(analyzer.analyze('SELECT 1; DROP TABLE t'));
    expect(batch.map((s) => s.text)).toEqual(['SELECT 1', 'DROP TABLE t']);
    expect(batch.map((s) => s.kinds)).toEqual([['select'], ['drop_table']]);
    expect(batch[1]!.tablesWritten).toEqual([{ name: 't' }]);
  });

  it('keeps semicolons inside strings, comments and dollar quotes inside their statement', () => {
    const batch = statements(analyzer.analyze("SELECT 'a;b' /* ; */; SELECT $$;$$ -- ;\n; DELETE FROM t WHERE a = ';'"));
    expect(batch.map((s) => s.text)).toEqual(["SELECT 'a;b' /* ; */", 'SELECT $$;$$ -- ;', "DELETE FROM t WHERE a = ';'"]);
    expect(batch.map((s) => s.kinds)).toEqual([['select'], ['select'], ['delete']]);
  });

  it('slices multi-byte text by the parser\'s byte offsets', () => {
    const batch = statements(analyzer.analyze("SELECT 'é😀';\n  DROP TABLE \"Ünï\"  ;  SELECT 'ß'"));
    expect(batch.map((s) => s.text)).toEqual(["SELECT 'é😀'", 'DROP TABLE "Ünï"', "SELECT 'ß'"]);
    expect(batch[1]!.tablesWritten).toEqual([{ name: 'Ünï' }]);
  });

  it('PREPARE then EXECUTE: the preparation shows what is prepared, the execution cannot', () => {
    const batch = statements(analyzer.analyze('PREPARE p AS DELETE FROM t WHERE id = $1; EXECUTE p(1)'));
    expect(batch.map((s) => s.kinds)).toEqual([['prepare', 'delete'], ['execute']]);
    expect(batch[0]!.tablesWritten).toEqual([{ name: 't' }]);
    expect(batch[1]!.tablesWritten).toEqual([]);
  });

  it('ignores empty statements between semicolons', () => {
    expect(statements(analyzer.analyze(';;SELECT 1;;;SELECT 2;')).map((s) => s.text)).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('a transaction is as many statements as it has', () => {
    const kinds = statements(analyzer.analyze('BEGIN; UPDATE t SET a = 1 WHERE id = 1; COMMIT')).map((s) => s.kinds);
    expect(kinds).toEqual([['begin'], ['update'], ['commit']]);
  });
});

describe('failures', () => {
  it('a syntax error carries the parser\'s message verbatim and its position', () => {
    const sql = 'SELECT 1; SELEC x';
    const result = analyzer.analyze(sql);
    expect(result).toMatchObject({ ok: false, code: 'SQL_SYNTAX', message: 'syntax error at or near "SELEC"', position: 10 });
  });

  it('positions index the JavaScript string even after characters outside the BMP', () => {
    const sql = "SELECT '😀😀'; SELEC x";
    const result = analyzer.analyze(sql);
    if (result.ok) throw new Error('expected a syntax error');
    expect(sql.slice(result.position)).toBe('SELEC x');
  });

  it('reports errors at the end of the text and in unterminated literals', () => {
    expect(analyzer.analyze('SELECT * FROM')).toMatchObject({ code: 'SQL_SYNTAX', message: 'syntax error at end of input', position: 13 });
    expect(analyzer.analyze("SELECT 'open")).toMatchObject({ code: 'SQL_SYNTAX', message: 'unterminated quoted string at or near "\'open"' });
    expect(analyzer.analyze('SELECT $x$ open')).toMatchObject({ code: 'SQL_SYNTAX' });
    expect(analyzer.analyze('SELECT /* open')).toMatchObject({ code: 'SQL_SYNTAX', message: 'unterminated /* comment at or near "/* open"' });
  });

  it('a syntax error anywhere fails the whole batch', () => {
    expect(analyzer.analyze('SELECT 1; DROP TABLE t; GARBAGE')).toMatchObject({ ok: false, code: 'SQL_SYNTAX' });
  });

  it('empty text, blanks, comments and semicolons are SQL_EMPTY', () => {
    for (const sql of ['', '   ', '\n\t', ';', ';;;', '-- nothing', '/* nothing */', '/* a */ ; -- b\n ;']) {
      expect(analyzer.analyze(sql), JSON.stringify(sql)).toMatchObject({ ok: false, code: 'SQL_EMPTY' });
    }
  });

  it('text over the byte limit is refused unparsed, counted in UTF-8 bytes', async () => {
    const small = await SqlAnalyzer.create({ maxStatementBytes: 10 });
    expect(small.analyze('SELECT 1').ok).toBe(true);
    expect(small.analyze('SELECT 12345')).toMatchObject({ ok: false, code: 'SQL_TOO_LARGE' });
    expect(small.analyze("SELECT 'éé'")).toMatchObject({ ok: false, code: 'SQL_TOO_LARGE' }); // 10 characters, 12 bytes
  });

  it('the default limit is 1 MiB', () => {
    const sql = `SELECT '${'x'.repeat(1024 * 1024)}'`;
    expect(analyzer.analyze(sql)).toMatchObject({ ok: false, code: 'SQL_TOO_LARGE' });
  });

  it('a NUL character is refused: the parser would stop reading there', () => {
    expect(analyzer.analyze('SELECT 1\0; DROP TABLE t')).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED', position: 8 });
  });

  it('text nested deeper than the parser can safely handle is SQL_TOO_DEEP', () => {
    const sql = `SELECT ${Array(20_000).fill('1').join('+')}`;
    expect(analyzer.analyze(sql)).toMatchObject({ ok: false, code: 'SQL_TOO_DEEP' });
    expect(analyzer.analyze('SELECT 1').ok).toBe(true);
  });

  it('never throws, whatever it is handed', () => {
    for (const input of [undefined, null, 42, {}, ['SELECT 1']]) {
      expect(analyzer.analyze(input as unknown as string)).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED' });
    }
  });
});

describe('settings that change how PostgreSQL reads the text', () => {
  // With standard_conforming_strings off, this one harmless SELECT is a SELECT and a DROP TABLE to
  // the server (checked against PostgreSQL 15): statements that turn it off are refused.
  it('the analysis of a text assumes standard strings', () => {
    const [select] = statements(analyzer.analyze("SELECT '\\' , ' ; DROP TABLE t; -- '"));
    expect(select!.kinds).toEqual(['select']);
  });

  it.each([
    'SET standard_conforming_strings = off',
    "SET standard_conforming_strings TO 'OFF'",
    'SET LOCAL standard_conforming_strings = 0',
    'SET "Standard_Conforming_Strings" = false',
    'SET standard_conforming_strings TO DEFAULT',
    'RESET standard_conforming_strings',
    "SET NAMES 'SJIS'",
    "SET client_encoding = 'GBK'",
    'RESET client_encoding',
    'ALTER ROLE bob SET standard_conforming_strings = off',
    "ALTER DATABASE d SET client_encoding = 'BIG5'",
    'ALTER SYSTEM SET standard_conforming_strings = off',
    "SELECT set_config('standard_conforming_strings', 'off', false)",
    "SELECT pg_catalog.set_config('client_encoding', 'SJIS', true)",
    "SELECT 1 FROM t WHERE set_config($1, 'off', false) IS NOT NULL",
    "SELECT 1; SET standard_conforming_strings = off; SELECT '\\' , ' ; DROP TABLE t; -- '",
  ])('refuses %s', (sql) => {
    expect(analyzer.analyze(sql)).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED' });
  });

  it.each([
    'SET standard_conforming_strings = on',
    'SET standard_conforming_strings TO true',
    "SET NAMES 'UTF8'",
    "SET client_encoding = 'utf-8'",
    "SELECT set_config('app.tenant', $1, true)",
    'ALTER ROLE bob SET search_path = app',
  ])('allows %s', (sql) => {
    expect(analyzer.analyze(sql).ok).toBe(true);
  });
});

describe('large input', () => {
  it('analyses a 10,000-row INSERT', () => {
    const sql = `INSERT INTO t (a, b) VALUES ${Array.from({ length: 10_000 }, (_, i) => `(${i}, 'v${i}')`).join(', ')}`;
    const [insert] = statements(analyzer.analyze(sql));
    expect(insert!.kinds).toEqual(['insert']);
    expect(insert!.tablesWritten).toEqual([{ name: 't' }]);
  });

  it('analyses a batch of 2,000 statements', () => {
    const batch = statements(analyzer.analyze('UPDATE t SET a = a + 1 WHERE id = 1;\n'.repeat(2_000)));
    expect(batch).toHaveLength(2_000);
    expect(batch[1_999]!.text).toBe('UPDATE t SET a = a + 1 WHERE id = 1');
  });

  it('analyses a long but shallow expression the guard lets through', () => {
    const [select] = statements(analyzer.analyze(`SELECT ${Array(1_400).fill('f(x)').join(' + ')} FROM t`));
    expect(select!.functions).toEqual([{ name: 'f' }]);
  });
});

describe('results', () => {
  it('are frozen all the way down', () => {
    const result = analyzer.analyze('SELECT a FROM t');
    expect(Object.isFrozen(result)).toBe(true);
    const [s] = statements(result);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s!.kinds)).toBe(true);
    expect(Object.isFrozen(s!.tablesRead)).toBe(true);
    expect(Object.isFrozen(s!.tablesRead[0])).toBe(true);
  });

  it('carry libpg-query\'s fingerprint, which ignores constants and layout', () => {
    const a = analyzer.analyze('SELECT * FROM t WHERE id = 1');
    const b = analyzer.analyze('select *\n  from t where id = 42');
    const c = analyzer.analyze('SELECT * FROM u WHERE id = 1');
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected analyses');
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
    expect(JSON.parse(JSON.stringify(a))).toMatchObject({ fingerprint: a.fingerprint });
  });
});

describe('cache', () => {
  it('returns the same object for the same text', async () => {
    const cached = await SqlAnalyzer.create();
    const first = cached.analyze('SELECT * FROM t');
    expect(cached.analyze('SELECT * FROM t')).toBe(first);
    expect(cached.analyze('SELECT * FROM  t')).not.toBe(first); // exact text, not normalised
  });

  it('caches failures that belong to the text, not the refusals that do not', async () => {
    const cached = await SqlAnalyzer.create({ maxStatementBytes: 64 });
    expect(cached.analyze('SELEC 1')).toBe(cached.analyze('SELEC 1'));
    expect(cached.analyze('')).toBe(cached.analyze(''));
    const huge = `SELECT '${'x'.repeat(100)}'`;
    expect(cached.analyze(huge)).not.toBe(cached.analyze(huge));
    expect(cached.analyze('SELECT \0')).not.toBe(cached.analyze('SELECT \0'));
  });

  it('is bounded: the least recently used text is analysed again', async () => {
    const cached = await SqlAnalyzer.create({ cacheSize: 2 });
    const a = cached.analyze('SELECT 1');
    const b = cached.analyze('SELECT 2');
    expect(cached.analyze('SELECT 1')).toBe(a); // a is now the most recent
    cached.analyze('SELECT 3'); // evicts b
    expect(cached.analyze('SELECT 1')).toBe(a);
    expect(cached.analyze('SELECT 2')).not.toBe(b);
  });

  it('cacheSize 0 turns it off', () => {
    expect(analyzer.analyze('SELECT 1')).not.toBe(analyzer.analyze('SELECT 1'));
    expect(analyzer.analyze('SELECT 1')).toEqual(analyzer.analyze('SELECT 1'));
  });
});

describe('README', () => {
  it('lists every statement kind, so the documentation cannot fall behind the code', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const { STATEMENT_KINDS } = await import('./index.js');
    expect(STATEMENT_KINDS.filter((kind) => !readme.includes(`\`${kind}\``))).toEqual([]);
  });
});
