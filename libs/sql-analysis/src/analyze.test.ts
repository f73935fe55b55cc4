import { describe, expect, it } from 'vitest';
import { analyzeText } from './analyze.js';
import { UnsupportedTree } from './ast.js';
import { Collector } from './collector.js';
import type { ParseOutcome, Parser } from './parser.js';

/** A parser that answers with a given tree, to reach what the real one never produces. */
const parserGiving = (outcome: ParseOutcome, fingerprint?: string): Parser => ({
  parse: () => outcome,
  fingerprint: () => fingerprint,
});

const tree = (stmt: unknown): ParseOutcome => ({ ok: true, statements: [{ stmt, byteStart: 0, byteLength: undefined }] });
const analyze = (outcome: ParseOutcome, sql = 'SELECT 1', fingerprint?: string) =>
  analyzeText(parserGiving(outcome, fingerprint), sql, 1024 * 1024);

describe('analysis of trees the parser may produce in another version', () => {
  it('an unknown statement type is kind other, and its parts are still walked', () => {
    const result = analyze(tree({ WaitStmt: { target: { RangeVar: { relname: 'queue' } }, fn: { FuncCall: { funcname: [{ String: { sval: 'f' } }] } } } }));
    expect(result).toMatchObject({ ok: true, statements: [{ kinds: ['other'], tablesRead: [{ name: 'queue' }], functions: [{ name: 'f' }] }] });
  });

  it('an unknown object type is <verb>_other', () => {
    const drop = analyze(tree({ DropStmt: { objects: [], removeType: 'OBJECT_HOLOGRAM' } }));
    const alter = analyze(tree({ AlterOwnerStmt: { objectType: 'OBJECT_HOLOGRAM' } }));
    expect(drop).toMatchObject({ ok: true, statements: [{ kinds: ['drop_other'] }] });
    expect(alter).toMatchObject({ ok: true, statements: [{ kinds: ['alter_other'] }] });
  });

  it('an unknown transaction kind is other', () => {
    expect(analyze(tree({ TransactionStmt: { kind: 'TRANS_STMT_TELEPORT' } }))).toMatchObject({ ok: true, statements: [{ kinds: ['other'] }] });
  });
});

describe('trees of a shape we do not know fail closed', () => {
  it.each([
    ['a statement that is not a node', 'SELECT'],
    ['a relation without a name', { SelectStmt: { fromClause: [{ RangeVar: { schemaname: 's' } }] } }],
    ['a DELETE without a target', { DeleteStmt: {} }],
    ['a function named by something other than strings', { SelectStmt: { targetList: [{ FuncCall: { funcname: [{ Integer: { ival: 1 } }] } }] } }],
    ['a column reference of unknown shape', { SelectStmt: { targetList: [{ ColumnRef: { fields: [{ Integer: {} }] } }] } }],
    ['a CTE without a name', { SelectStmt: { withClause: { ctes: [{ CommonTableExpr: {} }] } } }],
    ['a DROP TABLE naming something odd', { DropStmt: { objects: [{ Integer: { ival: 1 } }], removeType: 'OBJECT_TABLE' } }],
  ])('%s', (_name, stmt) => {
    expect(analyze(tree(stmt))).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED' });
  });

  it('a statement for which no kind was determined is refused, not reported as doing nothing', () => {
    expect(() => new Collector().finish('SELECT 1')).toThrow(UnsupportedTree);
  });

  it('a tree too deep for the walk is SQL_TOO_DEEP, not a thrown RangeError', () => {
    let expr: unknown = { A_Const: { ival: { ival: 1 } } };
    for (let i = 0; i < 200_000; i++) expr = { A_Expr: { lexpr: expr, rexpr: { A_Const: {} } } };
    const result = analyze(tree({ SelectStmt: { targetList: [{ ResTarget: { val: expr } }] } }));
    expect(result).toMatchObject({ ok: false, code: 'SQL_TOO_DEEP' });
  });

  it('a parser failure is passed on as it is', () => {
    const failure = { ok: false, code: 'SQL_UNSUPPORTED', message: 'the parser is broken' } as const;
    expect(analyze(failure)).toEqual(failure);
  });

  it('a statement list the parser did not fill is SQL_EMPTY', () => {
    expect(analyze({ ok: true, statements: [] })).toMatchObject({ ok: false, code: 'SQL_EMPTY' });
  });
});

describe('fingerprint', () => {
  it('is computed on first read, from the parser, once', () => {
    let calls = 0;
    const parser: Parser = { parse: () => tree({ SelectStmt: {} }), fingerprint: () => `fp${++calls}` };
    const result = analyzeText(parser, 'SELECT', 100);
    expect(calls).toBe(0);
    if (!result.ok) throw new Error('expected an analysis');
    expect(result.fingerprint).toBe('fp1');
    expect(result.fingerprint).toBe('fp1');
    expect(calls).toBe(1);
  });

  it('falls back to a sha256 of the text when the parser has none', () => {
    const result = analyze(tree({ SelectStmt: {} }), 'SELECT 1');
    expect(result).toMatchObject({ ok: true, fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });
});
