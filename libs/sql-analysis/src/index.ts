// TEMPORARY stand-in until the analyser lands from branch sql-analysis: top-level kinds only.
import { loadModule, parseSync } from 'libpg-query';

export type StatementKind = string;
export interface TableRef { readonly schema?: string; readonly name: string }
export interface ColumnRef { readonly table?: string; readonly column: string }
export interface FunctionRef { readonly schema?: string; readonly name: string }
export interface StatementAnalysis {
  readonly text: string;
  readonly kinds: readonly StatementKind[];
  readonly tablesRead: readonly TableRef[];
  readonly tablesWritten: readonly TableRef[];
  readonly columnsRead: readonly ColumnRef[];
  readonly functions: readonly FunctionRef[];
  readonly unboundedWrite: boolean;
}
export type SqlAnalysis =
  | { readonly ok: true; readonly statements: readonly StatementAnalysis[]; readonly fingerprint: string }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly position?: number };
export class SqlAnalyzer {
  static async create(): Promise<SqlAnalyzer> {
    await loadModule();
    return new SqlAnalyzer();
  }
  analyze(sql: string): SqlAnalysis {
    try {
      const tree = parseSync(sql) as { stmts: { stmt: Record<string, unknown> }[] };
      return {
        ok: true,
        fingerprint: '',
        statements: tree.stmts.map((s) => ({ text: sql, kinds: [Object.keys(s.stmt)[0]!.replace(/Stmt$/, '').toLowerCase()], tablesRead: [], tablesWritten: [], columnsRead: [], functions: [], unboundedWrite: false })),
      };
    } catch (err) {
      return { ok: false, code: 'SQL_SYNTAX', message: (err as Error).message };
    }
  }
}
