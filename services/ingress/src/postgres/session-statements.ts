import { createHash, randomBytes } from 'node:crypto';
import type { Format, RowField } from '@portcullis/pg-wire';
import type { SqlParameter } from '@portcullis/request-model';
import type { PreparedStatementEffect, PreparedStatementReader, SqlAnalysis, SqlAnalyzer } from '@portcullis/sql-analysis';

/** What the gateway knows of a statement it is about to decide. */
export interface StatementFacts {
  /** What policy decides on: the text as sent, or for `EXECUTE name(…)` the statement name was prepared as. */
  readonly statement: string;
  /** Bound parameters, or the EXECUTE's arguments as written. */
  readonly parameters: readonly SqlParameter[];
  /** Digest of every fact policy can test (see Described.shape); undefined when the text does not parse. */
  readonly shape: string | undefined;
  /** The analysis of the text as sent (statement by statement, for COPY and completions). */
  readonly analysis: SqlAnalysis;
  /** The analysis of `statement` (what the result rows come from, for masking). */
  readonly decided: SqlAnalysis;
  /** Per statement of the text as sent: PREPARE / EXECUTE / DEALLOCATE, when it has any. */
  readonly effects: readonly PreparedStatementEffect[] | undefined;
  /** Why the gateway refuses it before any decision (an EXECUTE it cannot resolve), with its SQLSTATE. */
  readonly refusal?: { readonly code: string; readonly message: string };
}

/** A protocol-level prepared statement: the client's name stands for a name only the gateway uses. */
export interface ProtocolStatement {
  readonly upstream: string;
  readonly sql: string;
  readonly parameterTypes: readonly number[];
  /** Portals bound to it whose Bind has not been sent yet: it is closed in the database after them. */
  portals: number;
  /** The client closed or replaced it. */
  dropped: boolean;
  closed: boolean;
  /** The database refused its Parse. */
  failed?: boolean;
}

/**
 * A portal the client bound. Its Bind reaches the database only with its first decided Execute,
 * so no portal the database holds was created without a decision (nothing can FETCH an undecided
 * one), and the planner never sees an undecided statement with its parameters.
 */
export interface Portal {
  readonly upstream: string;
  readonly statement: ProtocolStatement;
  readonly parameters: readonly SqlParameter[];
  readonly parameterFormats: readonly Format[];
  readonly values: readonly (Buffer | null)[];
  readonly resultFormats: readonly Format[];
  /** Sent to the database (with its first Execute). */
  bound: boolean;
  /** Its result columns once described (null: no rows). */
  description: readonly RowField[] | null | undefined;
  /** ReadyForQuery messages owed when it was bound: it ends with the transaction after them. */
  readonly generation: number;
}

const SESSION_KINDS: ReadonlySet<string> = new Set(['prepare', 'execute', 'deallocate', 'discard']);

/**
 * The prepared statements and portals of one session, as the gateway must know them to decide an
 * Execute on the statement it really runs. The gateway owns the database's namespace for
 * protocol-level statements and portals: each Parse and Bind gets a fresh name the client never
 * sees and that is never reused, so what a client name stands for is exactly what the database
 * holds under the gateway's name, whatever the pipeline, errors, CLOSE or ROLLBACK TO did.
 * SQL-level PREPARE names are learnt when the database completes the PREPARE; an EXECUTE of a
 * name the gateway did not see prepared is refused, never guessed at.
 */
export class SessionStatements {
  readonly statements = new Map<string, ProtocolStatement>();
  readonly portals = new Map<string, Portal>();
  private readonly sqlPrepared = new Map<string, string>();
  private readonly prefix = `_pc${randomBytes(6).toString('hex')}_`;
  private counter = 0;

  constructor(
    private readonly analyzer: SqlAnalyzer,
    private readonly reader: PreparedStatementReader,
  ) {}

  /** A name for the database that no client message and no earlier statement or portal uses. */
  freshName(kind: 's' | 'p'): string {
    return `${this.prefix}${kind}${++this.counter}`;
  }

  /** The statements the database may drop: replaced or closed, and no unbound portal needs them. */
  closable(statement: ProtocolStatement): boolean {
    return statement.dropped && statement.portals === 0 && !statement.closed;
  }

  facts(sql: string, parameters: readonly SqlParameter[]): StatementFacts {
    const analysis = this.analyzer.analyze(sql);
    // The gateway's own names (visible in pg_prepared_statements and pg_cursors) must not be
    // closed, redefined or run from SQL: that would swap what a decided portal runs. Refused
    // wherever the text spells them, and so are Unicode-escaped identifiers (U&"…"), which could
    // spell them without the letters. (A conservative refusal, never a reason to allow.)
    const lower = sql.toLowerCase();
    if (lower.includes(this.prefix) || lower.includes('u&"')) {
      return { statement: sql, parameters, shape: undefined, analysis, decided: analysis, effects: undefined, refusal: { code: '42501', message: 'the statement names a prepared statement or portal reserved by the gateway (or a Unicode-escaped identifier, which could)' } };
    }
    const effects = analysis.ok && analysis.statements.some((s) => s.kinds.some((k) => SESSION_KINDS.has(k))) ? this.readEffects(sql) : undefined;
    const base = { statement: sql, parameters, shape: shapeOf(analysis), analysis, decided: analysis, effects };
    const executes = effects?.filter((e): e is Extract<PreparedStatementEffect, { kind: 'execute' }> => e.kind === 'execute') ?? [];
    if (analysis.ok && analysis.statements.some((s) => s.kinds.includes('execute')) && effects === undefined) {
      return { ...base, refusal: { code: '0A000', message: 'the gateway could not read which prepared statement this EXECUTE runs' } };
    }
    if (executes.length === 0) return base;
    if (analysis.ok && analysis.statements.length > 1) return { ...base, refusal: { code: '0A000', message: 'send EXECUTE as a statement of its own: the gateway decides on the statement it runs' } };
    const only = executes[0]!;
    const inner = this.sqlPrepared.get(only.name);
    if (inner === undefined) return { ...base, refusal: { code: '26000', message: `prepared statement "${only.name}" does not exist (or was not prepared through the gateway in this session)` } };
    const resolved = this.analyzer.analyze(inner);
    return { ...base, statement: inner, parameters: only.arguments.map((text) => ({ text })), shape: shapeOf(resolved), decided: resolved };
  }

  /** The database completed statement `index` of a request with `tag`. */
  completed(facts: StatementFacts, index: number, tag: string): void {
    const effect = facts.effects?.[index];
    if (!effect) return;
    if (effect.kind === 'prepare' && tag === 'PREPARE' && !this.sqlPrepared.has(effect.name)) this.sqlPrepared.set(effect.name, effect.statement);
    if (effect.kind === 'deallocate' && (tag.startsWith('DEALLOCATE') || tag === 'DISCARD ALL')) {
      if (effect.name !== null) {
        this.sqlPrepared.delete(effect.name);
        return;
      }
      // Every prepared statement is gone from the database, the gateway's own names too.
      this.sqlPrepared.clear();
      for (const statement of this.statements.values()) statement.closed = statement.dropped = true;
      this.statements.clear();
    }
  }

  private readEffects(sql: string): readonly PreparedStatementEffect[] | undefined {
    const read = this.reader.effects(sql);
    return read.ok ? read.statements : undefined;
  }
}

/** Every fact of the statements a rule can test, without their texts (and so without literals). */
function shapeOf(analysis: SqlAnalysis): string | undefined {
  if (!analysis.ok) return undefined;
  const facts = analysis.statements.map(({ text: _text, ...facts }) => facts);
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}
