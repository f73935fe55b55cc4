import type { StatementKind } from './statement-kinds.js';

/** A relation named by a statement; names as PostgreSQL folds them, schema absent when unqualified. */
export interface TableRef {
  readonly schema?: string;
  readonly name: string;
}

/**
 * A column the statement refers to. `table` is the qualifier as written, or the relation an alias
 * stands for when the alias is a plain table in the same or an enclosing FROM; unqualified columns
 * carry no table (which FROM item supplies them needs the catalog).
 */
export interface ColumnRef {
  readonly schema?: string;
  readonly table?: string;
  readonly column: string;
}

/** A function the statement calls (or, for CALL and triggers, arranges to call). */
export interface FunctionRef {
  readonly schema?: string;
  readonly name: string;
}

/** What one statement of the text does. */
export interface StatementAnalysis {
  /** This statement's text, sliced from the input at the parser's statement boundaries, trimmed. */
  readonly text: string;
  /** Every kind this statement performs, primary first, no duplicates. */
  readonly kinds: readonly StatementKind[];
  readonly tablesRead: readonly TableRef[];
  readonly tablesWritten: readonly TableRef[];
  readonly columnsRead: readonly ColumnRef[];
  readonly functions: readonly FunctionRef[];
  /**
   * Names that PostgreSQL may read as a call in attribute notation — `(expr).name` is `name(expr)`
   * and `alias.name` is `name(alias)` when no column is called `name` — or as a column or field:
   * only the catalog knows which. A rule about functions must consider them too.
   */
  readonly possibleFunctions: readonly FunctionRef[];
  /** An UPDATE or DELETE somewhere in the statement has no WHERE clause at all. */
  readonly unboundedWrite: boolean;
}

/**
 * Why a text was not analysed. The policy engine denies on every one of them.
 * SQL_TOO_DEEP: nested so deeply that the parser could exhaust its stack (see nesting-guard.ts).
 * SQL_UNSUPPORTED: anything unexpected — a tree shape we do not know, a NUL character, a statement
 * that changes how PostgreSQL reads SQL text, a parser that failed in a way that leaves it unusable.
 */
export const SQL_FAILURE_CODES = [
  'SQL_SYNTAX',
  'SQL_EMPTY',
  'SQL_TOO_LARGE',
  'SQL_TOO_DEEP',
  'SQL_UNSUPPORTED',
] as const;

export type SqlFailureCode = (typeof SQL_FAILURE_CODES)[number];

export interface SqlFailure {
  readonly ok: false;
  readonly code: SqlFailureCode;
  readonly message: string;
  /** 0-based index into the text (UTF-16 code units, like String.prototype.slice). */
  readonly position?: number;
}

export type SqlAnalysis =
  | {
      readonly ok: true;
      readonly statements: readonly StatementAnalysis[];
      /**
       * libpg-query's fingerprint of the whole text (`sha256:<hex>` of the text should it fail),
       * computed on first read: an id for logs and benchmarks, never a decision.
       */
      readonly fingerprint: string;
    }
  | SqlFailure;
