import { createHash } from 'node:crypto';
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
}

const SESSION_KINDS: ReadonlySet<string> = new Set(['prepare', 'execute', 'deallocate', 'discard']);

/**
 * The prepared statements of one session, protocol-level (Parse) and SQL-level (PREPARE) alike —
 * PostgreSQL keeps them in one namespace — so that an Execute or an `EXECUTE name` is decided on
 * the statement it really runs. A name the gateway does not know is never guessed at: a Bind to it
 * is refused, an `EXECUTE` of it is decided as written (policy sees only kind `execute`). SQL-level
 * changes are learnt only when the database reports the statement complete.
 */
export class SessionStatements {
  private readonly prepared = new Map<string, string>();

  constructor(
    private readonly analyzer: SqlAnalyzer,
    private readonly reader: PreparedStatementReader,
  ) {}

  get(name: string): string | undefined {
    return this.prepared.get(name);
  }

  /**
   * A Parse was sent. The unnamed statement is replaced at once (PostgreSQL drops it before
   * parsing); a new name is taken now so a pipelined Bind finds it; an existing name is left alone
   * (PostgreSQL refuses to redefine it). Returns what undoes it if the database refuses the Parse.
   */
  parsed(name: string, sql: string): (() => void) | undefined {
    if (name !== '' && this.prepared.has(name)) return undefined;
    this.prepared.set(name, sql);
    return () => this.prepared.delete(name);
  }

  closed(name: string): void {
    this.prepared.delete(name);
  }

  facts(sql: string, parameters: readonly SqlParameter[]): StatementFacts {
    const analysis = this.analyzer.analyze(sql);
    const effects = analysis.ok && analysis.statements.some((s) => s.kinds.some((k) => SESSION_KINDS.has(k))) ? this.readEffects(sql) : undefined;
    const only = analysis.ok && analysis.statements.length === 1 ? effects?.[0] : undefined;
    if (only?.kind === 'execute') {
      const inner = this.prepared.get(only.name);
      if (inner !== undefined) {
        const resolved = this.analyzer.analyze(inner);
        return { statement: inner, parameters: only.arguments.map((text) => ({ text })), shape: shapeOf(resolved), analysis, decided: resolved, effects };
      }
    }
    return { statement: sql, parameters, shape: shapeOf(analysis), analysis, decided: analysis, effects };
  }

  /** The database completed statement `index` of a request with `tag`. */
  completed(facts: StatementFacts, index: number, tag: string): void {
    const effect = facts.effects?.[index];
    if (!effect) return;
    if (effect.kind === 'prepare' && tag === 'PREPARE' && !this.prepared.has(effect.name)) this.prepared.set(effect.name, effect.statement);
    if (effect.kind === 'deallocate' && (tag.startsWith('DEALLOCATE') || tag === 'DISCARD ALL')) {
      if (effect.name === null) this.prepared.clear();
      else this.prepared.delete(effect.name);
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
