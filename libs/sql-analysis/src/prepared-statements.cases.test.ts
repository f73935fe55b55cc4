import { beforeAll, describe, expect, it } from 'vitest';
import { PreparedStatementReader, type PreparedStatementEffect } from './index.js';

let reader: PreparedStatementReader;
beforeAll(async () => {
  reader = await PreparedStatementReader.create();
});

const prepare = (name: string, statement: string, parameterTypes: readonly string[] = []): PreparedStatementEffect =>
  ({ kind: 'prepare', name, statement, parameterTypes });
const execute = (name: string, args: readonly string[] = []): PreparedStatementEffect => ({ kind: 'execute', name, arguments: args });
const deallocate = (name: string | null): PreparedStatementEffect => ({ kind: 'deallocate', name });
const other: PreparedStatementEffect = { kind: 'other' };

/** One row per text: every statement's effect, in order. */
const CASES: readonly (readonly [string, readonly PreparedStatementEffect[]])[] = [
  // PREPARE: names, parameter types as written, the statement as written
  ['PREPARE p(int) AS DELETE FROM t WHERE id = $1', [prepare('p', 'DELETE FROM t WHERE id = $1', ['int'])]],
  ['PREPARE p AS SELECT 1', [prepare('p', 'SELECT 1')]],
  ['PREPARE MyPlan (integer, text[]) AS SELECT $1, $2', [prepare('myplan', 'SELECT $1, $2', ['integer', 'text[]'])]],
  ['PREPARE "MyPlan" AS SELECT 1', [prepare('MyPlan', 'SELECT 1')]],
  ['PREPARE "a ""q"" b" AS SELECT 1', [prepare('a "q" b', 'SELECT 1')]],
  ['PREPARE "as" AS SELECT 1', [prepare('as', 'SELECT 1')]],
  ['PREPARE execute (int) AS SELECT $1', [prepare('execute', 'SELECT $1', ['int'])]],
  ['PREPARE U&"d\\0061ta" AS SELECT 1', [prepare('data', 'SELECT 1')]],
  ["PREPARE U&\"d!0061ta\" UESCAPE '!' (int) AS SELECT $1", [prepare('data', 'SELECT $1', ['int'])]],
  // unquoted names are lower-cased in ASCII only, as PostgreSQL does for UTF-8
  ['PREPARE ÉTAT AS SELECT 1', [prepare('État', 'SELECT 1')]],
  [`PREPARE ${'a'.repeat(70)} AS SELECT 1`, [prepare('a'.repeat(63), 'SELECT 1')]],
  [
    'PREPARE p(numeric(10, 2), double precision, character varying(20), timestamp with time zone, "MyType", public.t[], int ARRAY[3]) AS SELECT 1',
    [prepare('p', 'SELECT 1', ['numeric(10, 2)', 'double precision', 'character varying(20)', 'timestamp with time zone', '"MyType"', 'public.t[]', 'int ARRAY[3]'])],
  ],
  [
    'PREPARE /* a */ p /* b */ ( /* c */ int /* d */ , double /* e */ precision -- f\n ) /* g */ AS /* h */ SELECT /* i */ $1 /* j */ -- k',
    [prepare('p', 'SELECT /* i */ $1', ['int', 'double /* e */ precision'])],
  ],
  [
    'PREPARE p AS SELECT (SELECT max(a) FROM (SELECT a FROM t) s) WHERE ((1) = (1))',
    [prepare('p', 'SELECT (SELECT max(a) FROM (SELECT a FROM t) s) WHERE ((1) = (1))')],
  ],
  ["PREPARE p AS SELECT $$ AS ( $$, 'AS )', \"AS\" FROM t", [prepare('p', "SELECT $$ AS ( $$, 'AS )', \"AS\" FROM t")]],
  ['PREPARE p AS WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', [prepare('p', 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d')]],
  [
    'PREPARE ins(int, text) AS INSERT INTO t VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v',
    [prepare('ins', 'INSERT INTO t VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v', ['int', 'text'])],
  ],
  ['PREPARE p AS (SELECT 1) UNION (SELECT 2)', [prepare('p', '(SELECT 1) UNION (SELECT 2)')]],
  ['PREPARE v AS VALUES (1), (2)', [prepare('v', 'VALUES (1), (2)')]],
  ['PREPARE m AS MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', [prepare('m', 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE')]],
  ['PREPARE "ü😀" (text) AS\n\tSELECT \'é😀\' || $1 FROM "Ünï"\n', [prepare('ü😀', 'SELECT \'é😀\' || $1 FROM "Ünï"', ['text'])]],

  // EXECUTE: arguments exactly as written
  ['EXECUTE p(42)', [execute('p', ['42'])]],
  ['EXECUTE p', [execute('p')]],
  ["EXECUTE MyPlan(1, 'x')", [execute('myplan', ['1', "'x'"])]],
  ["EXECUTE \"MyPlan\"('a,b', 'c)d', \"x,y\")", [execute('MyPlan', ["'a,b'", "'c)d'", '"x,y"'])]],
  [
    "EXECUTE p((SELECT max(id) FROM t WHERE a IN (1, 2)), lower('A'), coalesce(f(1, 2), 3))",
    [execute('p', ['(SELECT max(id) FROM t WHERE a IN (1, 2))', "lower('A')", 'coalesce(f(1, 2), 3)'])],
  ],
  [
    "EXECUTE p(1 + 2, $1::int, -3, ARRAY[1, 2], '{a,b}'::text[], ROW(1, 2), (1, 2), CASE WHEN true THEN 1 ELSE 2 END, x IS NULL, 5 COLLATE \"C\", NOT true)",
    [execute('p', ['1 + 2', '$1::int', '-3', 'ARRAY[1, 2]', "'{a,b}'::text[]", 'ROW(1, 2)', '(1, 2)', 'CASE WHEN true THEN 1 ELSE 2 END', 'x IS NULL', '5 COLLATE "C"', 'NOT true'])],
  ],
  ['EXECUTE p( /* one */ 1 /* after */, -- two\n 2 ) -- end', [execute('p', ['1', '2'])]],
  ['EXECUTE p(1 /* inner, ) */ + 2)', [execute('p', ['1 /* inner, ) */ + 2'])]],
  ['EXECUTE p(\n  1,\n  2\n)', [execute('p', ['1', '2'])]],
  ["EXECUTE \"ü😀\"('é😀', 'ß', U&'d\\0061ta')", [execute('ü😀', ["'é😀'", "'ß'", "U&'d\\0061ta'"])]],
  ['EXECUTE p($$a, b$$, $q$ ) $q$)', [execute('p', ['$$a, b$$', '$q$ ) $q$'])]],
  // control characters make libpg-query's token JSON invalid: they are read around, and kept
  ["EXECUTE p('a\u0001b', E'\\\u0002', 'c\u000bd')", [execute('p', ["'a\u0001b'", "E'\\\u0002'", "'c\u000bd'"])]],
  [`EXECUTE ${'a'.repeat(70)}`, [execute('a'.repeat(63))]],

  // statements that run (or plan) p: reported as execute
  ['EXPLAIN ANALYZE EXECUTE p(1)', [execute('p', ['1'])]],
  ['EXPLAIN (ANALYZE, BUFFERS, FORMAT json) EXECUTE p(1, 2)', [execute('p', ['1', '2'])]],
  ['EXPLAIN EXECUTE p(f(1))', [execute('p', ['f(1)'])]],
  ['CREATE TABLE x AS EXECUTE p(1)', [execute('p', ['1'])]],
  ['CREATE TEMP TABLE IF NOT EXISTS x (a, b) AS EXECUTE p(1, (2)) WITH NO DATA', [execute('p', ['1', '(2)'])]],
  ['CREATE TABLE x AS EXECUTE p(1) WITH DATA', [execute('p', ['1'])]],
  ['CREATE TABLE execute AS EXECUTE execute', [execute('execute')]],
  ['EXPLAIN ANALYZE CREATE TABLE x AS EXECUTE "P"(data) WITH DATA', [execute('P', ['data'])]],

  // DEALLOCATE, and DISCARD ALL, which deallocates everything
  ['DEALLOCATE p', [deallocate('p')]],
  ['DEALLOCATE PREPARE MyPlan', [deallocate('myplan')]],
  ['DEALLOCATE "MyPlan"', [deallocate('MyPlan')]],
  ['DEALLOCATE "all"', [deallocate('all')]],
  ['DEALLOCATE ALL', [deallocate(null)]],
  ['DEALLOCATE PREPARE ALL', [deallocate(null)]],
  ['DISCARD ALL', [deallocate(null)]],
  ['DISCARD PLANS', [other]],

  // everything else
  ['SELECT 1', [other]],
  ["SELECT 'EXECUTE p(1)' AS \"PREPARE\"", [other]],
  ["PREPARE TRANSACTION 'x'", [other]],
  ["COMMIT PREPARED 'x'", [other]],
  ['EXPLAIN SELECT 1', [other]],
  ['CREATE TABLE x AS SELECT 1', [other]],
  ["DO $$ BEGIN EXECUTE 'PREPARE p AS DELETE FROM t'; END $$", [other]],

  // several statements in one text
  [
    'PREPARE p(int) AS DELETE FROM t WHERE id = $1; EXECUTE p(42); DEALLOCATE p',
    [prepare('p', 'DELETE FROM t WHERE id = $1', ['int']), execute('p', ['42']), deallocate('p')],
  ],
  ['SELECT 1; EXECUTE p(1); SELECT 2', [other, execute('p', ['1']), other]],
  [";;PREPARE p AS SELECT ';' ; ; EXECUTE p;", [prepare('p', "SELECT ';'"), execute('p')]],
  [
    "SELECT 'é😀';\n  EXECUTE p('ü', 1 /* c */ + 2);PREPARE q(text) AS SELECT '😀' || $1 -- end",
    [other, execute('p', ["'ü'", '1 /* c */ + 2']), prepare('q', "SELECT '😀' || $1", ['text'])],
  ],
  [
    'BEGIN; PREPARE a AS SELECT 1; DISCARD ALL; EXPLAIN ANALYZE EXECUTE a; COMMIT',
    [other, prepare('a', 'SELECT 1'), deallocate(null), execute('a'), other],
  ],
];

describe('prepared statement effects', () => {
  it.each(CASES)('%s', (sql, statements) => {
    expect(reader.effects(sql)).toEqual({ ok: true, statements });
  });

  it('results are frozen', () => {
    const result = reader.effects('PREPARE p(int) AS SELECT $1; EXECUTE p(1)');
    if (!result.ok) throw new Error(result.message);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.statements)).toBe(true);
    for (const effect of result.statements) expect(Object.isFrozen(effect)).toBe(true);
    expect(Object.isFrozen(result.statements[0]!.kind === 'prepare' && result.statements[0]!.parameterTypes)).toBe(true);
  });

  it('a prepared statement read back is what the parser reads in the PREPARE', () => {
    const result = reader.effects('PREPARE p(int) AS /* x */ UPDATE t SET a = (SELECT b FROM u WHERE u.id = $1) -- y');
    if (!result.ok || result.statements[0]!.kind !== 'prepare') throw new Error('expected a PREPARE');
    expect(reader.effects(`PREPARE p(int) AS ${result.statements[0]!.statement}`)).toEqual(result);
  });
});

describe('failures are the analyzer\'s', () => {
  it.each([
    ['EXECUTE p()', 'SQL_SYNTAX'],
    ['PREPARE p AS', 'SQL_SYNTAX'],
    ['PREPARE p() AS SELECT 1', 'SQL_SYNTAX'],
    ['PREPARE p AS EXECUTE q', 'SQL_SYNTAX'],
    ['EXPLAIN PREPARE p AS SELECT 1', 'SQL_SYNTAX'],
    ['PREPARE p AS CREATE TABLE t (a int)', 'SQL_SYNTAX'],
    ['DEALLOCATE', 'SQL_SYNTAX'],
    ['', 'SQL_EMPTY'],
    ['-- nothing ;', 'SQL_EMPTY'],
    ['EXECUTE p(1)\0; DROP TABLE t', 'SQL_UNSUPPORTED'],
    ['SET client_encoding = SJIS; EXECUTE p(1)', 'SQL_UNSUPPORTED'],
    [`EXECUTE p(${'('.repeat(3000)}1${')'.repeat(3000)})`, 'SQL_TOO_DEEP'],
  ])('%s', (sql, code) => {
    expect(reader.effects(sql)).toMatchObject({ ok: false, code });
  });

  it('a syntax error anywhere fails the whole text, at its position in the JavaScript string', () => {
    const sql = "PREPARE p AS SELECT '😀'; EXECUTE p(1; DEALLOCATE p";
    const result = reader.effects(sql);
    if (result.ok) throw new Error('expected a syntax error');
    expect(result).toMatchObject({ code: 'SQL_SYNTAX', message: 'syntax error at or near ";"' });
    expect(sql.slice(result.position)).toBe('; DEALLOCATE p');
  });

  it('texts over the size limit are refused unparsed', async () => {
    const small = await PreparedStatementReader.create({ maxStatementBytes: 16 });
    expect(small.effects('EXECUTE p(1)')).toMatchObject({ ok: true });
    expect(small.effects("EXECUTE p('😀😀😀')")).toMatchObject({ ok: false, code: 'SQL_TOO_LARGE' });
  });
});
