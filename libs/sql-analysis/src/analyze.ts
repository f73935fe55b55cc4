import { createHash } from 'node:crypto';
import type { SqlAnalysis, SqlFailure, StatementAnalysis } from './analysis.js';
import { Unsupported } from './ast.js';
import { Collector } from './collector.js';
import { GUARD_MIN_BYTES, MAX_NESTING_UNITS, nestingUnits } from './nesting-guard.js';
import type { Parser, RawStatement } from './parser.js';
import { StatementTexts } from './statement-text.js';
import { Walker } from './walker.js';

/** One text, start to finish, no caching: checks in order of cost, then parse, then walk each statement. */
export function analyzeText(parser: Parser, text: string, maxBytes: number): SqlAnalysis {
  const refused = precheck(text, maxBytes);
  if (refused !== undefined) return refused;

  const parsed = parser.parse(text);
  if (!parsed.ok) return Object.freeze(parsed);
  if (parsed.statements.length === 0) return failure('SQL_EMPTY', 'the SQL text holds no statement, only comments or semicolons');

  const texts = new StatementTexts(text);
  let statements: readonly StatementAnalysis[];
  try {
    statements = Object.freeze(parsed.statements.map((raw) => analyzeStatement(raw, texts)));
  } catch (error) {
    return walkFailure(error);
  }
  return succeeded(statements, () => parser.fingerprint(text) ?? `sha256:${createHash('sha256').update(text).digest('hex')}`);
}

/**
 * What every text must pass before it reaches the parser, in order of cost: a text the parser
 * would read short (a NUL) or could not survive (too large, too deep) is refused unparsed.
 */
export function precheck(text: string, maxBytes: number): SqlFailure | undefined {
  if (typeof text !== 'string') return failure('SQL_UNSUPPORTED', 'the SQL text is not a string');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return failure('SQL_TOO_LARGE', `the SQL text is ${bytes} bytes, more than the ${maxBytes} allowed`);
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    // The parser reads a C string and would stop here, analysing less than PostgreSQL was sent.
    return Object.freeze({ ...failure('SQL_UNSUPPORTED', 'the SQL text contains a NUL character'), position: nul });
  }
  if (bytes >= GUARD_MIN_BYTES && nestingUnits(text) > MAX_NESTING_UNITS) {
    return failure('SQL_TOO_DEEP', 'the SQL text is nested too deeply to be parsed safely');
  }
  if (text.trim() === '') return failure('SQL_EMPTY', 'the SQL text is empty');
  return undefined;
}

function analyzeStatement(raw: RawStatement, texts: StatementTexts): StatementAnalysis {
  const out = new Collector();
  Walker.forStatement(out).statement(raw.stmt);
  return out.finish(texts.slice(raw.byteStart, raw.byteLength));
}

/** Nothing thrown while walking reaches the caller: it becomes a refusal the policy denies. */
function walkFailure(error: unknown): SqlFailure {
  if (error instanceof Unsupported) return failure('SQL_UNSUPPORTED', error.message);
  if (error instanceof RangeError) return failure('SQL_TOO_DEEP', 'the statement is nested too deeply to be analysed');
  const detail = error instanceof Error ? error.message : String(error);
  return failure('SQL_UNSUPPORTED', `analysis failed unexpectedly: ${detail}`);
}

/** The fingerprint costs about half a parse and only logs want it: computed on first read, once. */
function succeeded(statements: readonly StatementAnalysis[], fingerprintOf: () => string): SqlAnalysis {
  let fingerprint: string | undefined;
  const result = { ok: true as const, statements };
  Object.defineProperty(result, 'fingerprint', { enumerable: true, get: () => (fingerprint ??= fingerprintOf()) });
  return Object.freeze(result as typeof result & { readonly fingerprint: string });
}

function failure(code: SqlFailure['code'], message: string): SqlFailure {
  return Object.freeze({ ok: false, code, message });
}
