import { describe, expect, it } from 'vitest';
import { GUARD_MIN_BYTES, MAX_NESTING_UNITS, nestingUnits } from './nesting-guard.js';

/**
 * Constructs that build deep trees, with the smallest repetition count at which libpg-query 18.1.5
 * exhausted Node 20's default stack (measured one process per probe). The guard must refuse each
 * well before it: by at least 3× its limit.
 */
const FAILING: readonly (readonly [string, (n: number) => string, number])[] = [
  ['a + chain', (n) => `SELECT ${Array(n).fill('1').join('+')}`, 9692],
  ['a || chain', (n) => `SELECT ${Array(n).fill("'a'").join('||')}`, 9692],
  ['NOT NOT …', (n) => `SELECT ${'NOT '.repeat(n)}true`, 9692],
  ['casts', (n) => `SELECT 1${'::int'.repeat(n)}`, 9692],
  ['UNION chain', (n) => Array(n).fill('SELECT 1').join(' UNION '), 13127],
  ['UNION chain with commas', (n) => Array(n).fill('SELECT a, b').join(' UNION '), 13127],
  ['JOIN chain', (n) => `SELECT * FROM t0${Array.from({ length: n }, (_, i) => ` JOIN t${i + 1} ON true`).join('')}`, 9692],
  ['CROSS JOIN chain', (n) => `SELECT * FROM t0${' CROSS JOIN t'.repeat(n)}`, 9692],
  ['nested scalar subqueries', (n) => `SELECT ${'(SELECT '.repeat(n)}1${')'.repeat(n)}`, 2586],
  ['field selections', (n) => `SELECT ${'('.repeat(n)}x${').f'.repeat(n)}`, 9692],
  ['minus chain', (n) => `SELECT ${Array(n).fill('-1').join('')}`, 9692],
  ['IS NULL = true chain', (n) => `SELECT x${' IS NULL = true'.repeat(n)}`, 4850],
  ['COLLATE chain', (n) => `SELECT 'a'${' COLLATE "C"'.repeat(n)}`, 5475],
  ['nested subscripts', (n) => `SELECT ${'a['.repeat(n)}1${']'.repeat(n)}`, 4850],
  ['-> chain', (n) => `SELECT x${"->'a'".repeat(n)}`, 9692],
  ['= ANY chain', (n) => `SELECT 1${' = ANY(ARRAY[1])'.repeat(n)}`, 9692],
];

/** Big statements real clients send: far below the limit. */
const REALISTIC: readonly (readonly [string, string])[] = [
  ['10,000-row INSERT', `INSERT INTO t (a, b, c) VALUES ${Array(10_000).fill("(1, 'abc', now() - interval '1 day')").join(',')}`],
  ['50,000-element IN list', `SELECT * FROM t WHERE id IN (${Array.from({ length: 50_000 }, (_, i) => i).join(',')})`],
  ['5,000 OR-ed conditions', `SELECT * FROM t WHERE ${Array.from({ length: 5_000 }, (_, i) => `(a = ${i} AND b = 'x')`).join(' OR ')}`],
  ['300-way UNION ALL', Array(300).fill('SELECT a, b, c FROM t WHERE x = 1').join(' UNION ALL ')],
  ['60 joins', `SELECT * FROM t0${Array.from({ length: 60 }, (_, i) => ` LEFT JOIN t${i + 1} ON t${i + 1}.id = t${i}.id`).join('')}`],
  ['500-branch CASE', `SELECT CASE ${Array.from({ length: 500 }, (_, i) => `WHEN a = ${i} THEN 'v${i}'`).join(' ')} END FROM t`],
  ['5,000-statement batch', 'INSERT INTO t VALUES (1, 2 + 3 * 4);\n'.repeat(5_000)],
  ['a JSON document literal', `INSERT INTO t VALUES ('${JSON.stringify(Array.from({ length: 3_000 }, (_, i) => ({ k: i, v: 'a+b+c' })))}')`],
  ['a base64 literal', `SELECT decode('${Buffer.alloc(60_000, 'x+/').toString('base64')}', 'base64')`],
  ['a function body', `CREATE FUNCTION f() RETURNS int AS $body$ ${'x := x + 1 + 2 + 3; '.repeat(5_000)} $body$ LANGUAGE plpgsql`],
];

describe('nesting guard', () => {
  it.each(FAILING)('refuses %s at a third of the depth that breaks the parser', (_name, build, failsAt) => {
    expect(nestingUnits(build(failsAt))).toBeGreaterThan(3 * MAX_NESTING_UNITS);
    expect(nestingUnits(build(Math.ceil(failsAt / 3)))).toBeGreaterThan(MAX_NESTING_UNITS);
  });

  it('no text under its size threshold can reach a failing depth', () => {
    const shortest = Math.min(...FAILING.map(([, build, failsAt]) => Buffer.byteLength(build(failsAt))));
    expect(shortest).toBeGreaterThan(3 * GUARD_MIN_BYTES);
  });

  it.each(REALISTIC)('lets %s through', (_name, sql) => {
    expect(nestingUnits(sql)).toBeLessThan(MAX_NESTING_UNITS / 3);
  });

  it('does not count what is inside strings, quoted identifiers and comments', () => {
    const chain = Array(5_000).fill('1').join('+');
    for (const sql of [
      `SELECT '${chain}'`, `SELECT E'\\'${chain}'`, `SELECT $q$${chain}$q$`, `SELECT $$${chain}$$`,
      `SELECT "${chain}"`, `SELECT 1 -- ${chain}`, `SELECT /* /* ${chain} */ */ 1`, `SELECT U&'${chain}'`,
    ]) {
      expect(nestingUnits(sql), sql.slice(0, 20)).toBeLessThan(10);
    }
  });

  it('counts what follows a string the way the lexer ends it', () => {
    const chain = Array(5_000).fill('x').join('+');
    expect(nestingUnits(`SELECT 'it''s', ${chain}`)).toBeGreaterThan(MAX_NESTING_UNITS); // '' is a quote
    expect(nestingUnits(`SELECT 'a\\', ${chain}`)).toBeGreaterThan(MAX_NESTING_UNITS); // no backslash escapes in '…'
    expect(nestingUnits(`SELECT x$y$, ${chain}`)).toBeGreaterThan(MAX_NESTING_UNITS); // x$y$ is an identifier
    expect(nestingUnits(`SELECT $1, ${chain}`)).toBeGreaterThan(MAX_NESTING_UNITS); // a parameter
    expect(nestingUnits(`SELECT $$a$$, ${chain}`)).toBeGreaterThan(MAX_NESTING_UNITS);
  });

  it('a run of operator characters nests one level per character', () => {
    expect(nestingUnits(`SELECT 1${'+-'.repeat(2_000)}1`)).toBeGreaterThan(MAX_NESTING_UNITS);
    expect(nestingUnits(`SELECT 1${'-'.repeat(4_000)}1`)).toBe(1); // but -- starts a comment, as in PostgreSQL
  });
});
