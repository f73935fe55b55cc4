/**
 * @portcullis/sql-analysis — what a SQL text does, for the policy engine, from PostgreSQL's own
 * parser (libpg-query's WASM build; the SQL text itself is never pattern-matched).
 *
 * A text is split into statements where the parser splits it. For each, `kinds` lists everything
 * it performs, primary first: `WITH d AS (DELETE …) SELECT …` is ['select', 'delete'];
 * `EXPLAIN ANALYZE DELETE …` is ['delete', 'explain'] while plain EXPLAIN only plans (['explain'],
 * its tables counted as read); `PREPARE p AS DELETE …` is ['prepare', 'delete']; `SELECT … INTO t`
 * and `CREATE TABLE t AS …` are ['create_table_as', 'create_table', 'select']; COPY names its most
 * specific form then its direction (['copy_to_program', 'copy_to']). Writes list their targets in
 * `tablesWritten` and, when they read the rows they change, in `tablesRead` too.
 *
 * What it cannot know, by construction: the body of DO blocks and of functions (other languages,
 * run later); what `EXECUTE p` runs (the proxy must remember what `p` was prepared as); which
 * schema an unqualified name resolves to (that is search_path at run time: no schema is reported);
 * what views, rules, triggers and operators do when the statement touches them.
 *
 * It assumes PostgreSQL reads the text as its parser does (standard_conforming_strings on, UTF-8)
 * and refuses statements that would change that; the proxy must pin both for the connection.
 *
 * Every problem is a value: `{ ok: false, code }`, never an exception — the policy engine denies
 * on any of them, so the analyzer fails closed. README.md has the full semantics table.
 *
 * `copyStatement` reads one COPY statement's direction, target and data layout (format, delimiter,
 * NULL string, quote, escape, header) for the proxy that masks COPY data.
 */
export { STATEMENT_KINDS, type StatementKind } from './statement-kinds.js';
export type { ColumnRef, FunctionRef, SqlAnalysis, StatementAnalysis, TableRef } from './analysis.js';
export { SqlAnalyzer } from './sql-analyzer.js';
export { PreparedStatementReader, type PreparedStatementEffect, type PreparedStatementEffects, type PreparedStatementReaderOptions } from './prepared-statements.js';
export type { CopyFailureCode, CopyFormat, CopyStatement, CopyStatementFailure, CopyStatementResult, CopyTarget } from './copy-statement.js';
