import { fingerprintSync, loadModule, parseSync } from 'libpg-query';
import type { StatementKind } from './kinds.js';
import { UnsupportedTree, Walker, type ColumnRef, type FunctionRef, type TableRef } from './walker.js';

/** What one statement of a batch does. */
export interface StatementAnalysis {
  /** The statement's own text, as PostgreSQL delimited it in the batch. */
  readonly text: string;
  /** Every kind it performs, the primary first (a data-modifying CTE is `select` and `delete`). */
  readonly kinds: readonly StatementKind[];
  readonly tablesRead: readonly TableRef[];
  readonly tablesWritten: readonly TableRef[];
  readonly columnsRead: readonly ColumnRef[];
  readonly functions: readonly FunctionRef[];
  /** An UPDATE or DELETE without WHERE anywhere in it (WHERE CURRENT OF counts as a WHERE). */
  readonly unboundedWrite: boolean;
}

export const SQL_FAILURE_CODES = ['SQL_SYNTAX', 'SQL_EMPTY', 'SQL_TOO_LARGE', 'SQL_UNSUPPORTED'] as const;
export type SqlFailureCode = (typeof SQL_FAILURE_CODES)[number];

export type SqlAnalysis =
  | { readonly ok: true; readonly statements: readonly StatementAnalysis[]; readonly fingerprint: string }
  | { readonly ok: false; readonly code: SqlFailureCode; readonly message: string; /** Character position of a syntax error, from 1. */ readonly position?: number };

export interface SqlAnalyzerOptions {
  /** Analyses remembered by exact text (LRU); 0 disables. Default 10,000. */
  readonly cacheSize?: number;
  /** Longer texts are refused unparsed. Default 1 MiB. */
  readonly maxStatementBytes?: number;
}

/**
 * What SQL text does, from PostgreSQL's own parser (libpg-query). Synchronous once created (the
 * WASM parser loads once). Never throws on input: anything it cannot read is a failure value, and
 * the policy engine denies on every failure.
 */
export class SqlAnalyzer {
  private readonly cache = new Map<string, SqlAnalysis>();

  private constructor(
    private readonly cacheSize: number,
    private readonly maxBytes: number,
  ) {}

  static async create(options: SqlAnalyzerOptions = {}): Promise<SqlAnalyzer> {
    await loadModule();
    return new SqlAnalyzer(options.cacheSize ?? 10_000, options.maxStatementBytes ?? 1 << 20);
  }

  analyze(sql: string): SqlAnalysis {
    const hit = this.cache.get(sql);
    if (hit) {
      // Refresh its place: least recently used goes first.
      this.cache.delete(sql);
      this.cache.set(sql, hit);
      return hit;
    }
    const analysis = this.analyzeUncached(sql);
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(sql, analysis);
    }
    return analysis;
  }

  private analyzeUncached(sql: string): SqlAnalysis {
    const bytes = Buffer.from(sql, 'utf8');
    if (bytes.length > this.maxBytes) return { ok: false, code: 'SQL_TOO_LARGE', message: `the SQL is ${bytes.length} bytes, more than the ${this.maxBytes} allowed` };
    // The parser calls "" an error; it is the absence of a statement, like a text of only comments.
    if (sql.trim() === '') return { ok: false, code: 'SQL_EMPTY', message: 'the SQL holds no statement' };
    let tree: { stmts?: { stmt?: unknown; stmt_location?: number; stmt_len?: number }[] };
    try {
      tree = parseSync(sql) as typeof tree;
    } catch (err) {
      const details = (err as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
      // libpg-query counts from 0; PostgreSQL (and psql) report the character position from 1.
      return { ok: false, code: 'SQL_SYNTAX', message: details?.message ?? (err as Error).message, ...(details?.cursorPosition !== undefined ? { position: details.cursorPosition + 1 } : {}) };
    }
    const raw = tree.stmts ?? [];
    if (raw.length === 0) return { ok: false, code: 'SQL_EMPTY', message: 'the SQL holds no statement' };
    try {
      const statements = raw.map((r): StatementAnalysis => {
        const walker = new Walker();
        walker.statement(r.stmt);
        const start = r.stmt_location ?? 0;
        const end = r.stmt_len ? start + r.stmt_len : bytes.length;
        const f = walker.facts;
        if (f.kinds.length === 0) throw new UnsupportedTree('a statement of no known kind');
        return { text: bytes.subarray(start, end).toString('utf8').trim(), kinds: f.kinds, tablesRead: f.tablesRead, tablesWritten: f.tablesWritten, columnsRead: f.columnsRead, functions: f.functions, unboundedWrite: f.unboundedWrite };
      });
      let fingerprint: string | undefined;
      return {
        ok: true,
        statements,
        // PostgreSQL's query fingerprint (constants ignored), an id for logs and reports: computed
        // when asked for, since it costs a second pass of the parser.
        get fingerprint() {
          return (fingerprint ??= fingerprintSync(sql));
        },
      };
    } catch (err) {
      return { ok: false, code: 'SQL_UNSUPPORTED', message: `the statement could not be analysed: ${(err as Error).message}` };
    }
  }
}
