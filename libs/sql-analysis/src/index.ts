// What SQL text does, from the real PostgreSQL parser (libpg-query): the kinds of every statement
// in a batch, tables read and written, columns, functions called, UPDATE/DELETE without WHERE.
// Semantics (composite statements, what is conservative, what is unknowable): README.md.
export { SqlAnalyzer, SQL_FAILURE_CODES, type SqlAnalysis, type SqlAnalyzerOptions, type SqlFailureCode, type StatementAnalysis } from './analyzer.js';
export { STATEMENT_KINDS, type StatementKind } from './kinds.js';
export type { ColumnRef, FunctionRef, TableRef } from './walker.js';
