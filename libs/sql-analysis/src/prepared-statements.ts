import type { SqlFailure, StatementAnalysis } from './analysis.js';
import { analyzeText } from './analyze.js';
import { asNode, bool, list, node, str, Unsupported, UnsupportedTree, type Node, type Rec } from './ast.js';
import { PgParser, type Parser, type RawStatement } from './parser.js';
import {
  bracketedItems, closingParen, isKeyword, isPunctuation, openingParen, PgScanner, type Scanner, type Token,
} from './sql-tokens.js';
import { Utf8Text } from './utf8-text.js';

/**
 * What one statement does to the session's SQL-level prepared statements. Names are as PostgreSQL
 * folds them; `statement`, each of `parameterTypes` and each of `arguments` is the source text from
 * its first token to its last, exactly as written (comments inside kept, around it left out).
 * 'execute' is also CREATE TABLE … AS EXECUTE and EXPLAIN [ANALYZE] of either: all of them evaluate
 * the arguments and use p's statement. 'deallocate' with a null name is DEALLOCATE ALL or DISCARD ALL.
 */
export type PreparedStatementEffect =
  | { readonly kind: 'prepare'; readonly name: string; readonly statement: string; readonly parameterTypes: readonly string[] }
  | { readonly kind: 'execute'; readonly name: string; readonly arguments: readonly string[] }
  | { readonly kind: 'deallocate'; readonly name: string | null }
  | { readonly kind: 'other' };

/** One effect per statement of the text, in order, split as the analyzer splits it. */
export type PreparedStatementEffects =
  | { readonly ok: true; readonly statements: readonly PreparedStatementEffect[] }
  | SqlFailure;

export interface PreparedStatementReaderOptions {
  /** Texts larger than this many UTF-8 bytes are refused unparsed (default 1 MiB, as the analyzer's). */
  readonly maxStatementBytes?: number;
}

const DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;

/** Reads what a text prepares, executes and deallocates, for a proxy that must remember what `p` is. */
export class PreparedStatementReader {
  /** Loads the parser (WASM) once; every read after that is synchronous. */
  static async create(options: PreparedStatementReaderOptions = {}): Promise<PreparedStatementReader> {
    const [parser, scanner] = await Promise.all([PgParser.load(), PgScanner.load()]);
    return new PreparedStatementReader(parser, scanner, options.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES);
  }

  private constructor(
    private readonly parser: Parser,
    private readonly scanner: Scanner,
    private readonly maxBytes: number,
  ) {}

  /** Never throws; not cached: it is for the texts whose analysis has prepare, execute, deallocate or discard. */
  effects(sql: string): PreparedStatementEffects {
    return preparedStatementEffects(this.parser, this.scanner, sql, this.maxBytes);
  }
}

/** One text, start to finish: the analyzer's checks, parse and walk, then each statement's effect. */
export function preparedStatementEffects(parser: Parser, scanner: Scanner, sql: string, maxBytes: number): PreparedStatementEffects {
  // Through analyzeText, so a text fails here exactly when `analyze` fails (limits, nesting guard,
  // settings that change how the server reads SQL, trees it does not know) and splits the same way;
  // the parse is kept on its way through for the positions it holds.
  let parsed: readonly RawStatement[] = [];
  const keeping: Parser = {
    parse: (text) => {
      const outcome = parser.parse(text);
      if (outcome.ok) parsed = outcome.statements;
      return outcome;
    },
    fingerprint: () => undefined,
  };
  const analysis = analyzeText(keeping, sql, maxBytes);
  if (!analysis.ok) return analysis;
  if (analysis.statements.length !== parsed.length) return unsupported('the analysis and the parse disagree on the statements');
  const whole = new Utf8Text(sql);
  try {
    const effects = parsed.map((raw, i) => agreed(effectOf(raw, new StatementSource(whole, raw, scanner)), analysis.statements[i]!));
    return Object.freeze({ ok: true as const, statements: Object.freeze(effects) });
  } catch (error) {
    if (error instanceof Unsupported) return unsupported(error.message);
    return unsupported(`reading prepared statements failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const OTHER: PreparedStatementEffect = Object.freeze({ kind: 'other' });
const DEALLOCATE_ALL: PreparedStatementEffect = Object.freeze({ kind: 'deallocate', name: null });

function effectOf(raw: RawStatement, source: StatementSource): PreparedStatementEffect {
  const stmt = node(raw.stmt, 'a statement');
  if (stmt.type === 'PrepareStmt') return prepare(stmt.body, source);
  if (stmt.type === 'DeallocateStmt') return deallocate(stmt.body);
  // DISCARD ALL includes DEALLOCATE ALL: a proxy that kept its prepared statements would be wrong about the next PREPARE.
  if (stmt.type === 'DiscardStmt' && stmt.body['target'] === 'DISCARD_ALL') return DEALLOCATE_ALL;
  const run = executeWithin(stmt);
  return run === undefined ? OTHER : execute(run.body, source, run.underCreateTableAs);
}

/**
 * The EXECUTE a statement contains: itself, CREATE TABLE … AS EXECUTE (an ExecuteStmt as the
 * CreateTableAsStmt's query), or either as an ExplainStmt's query — with or without ANALYZE, since
 * PostgreSQL evaluates the arguments and plans p's statement either way. Nothing else can hold one.
 */
function executeWithin(stmt: Node): { readonly body: Rec; readonly underCreateTableAs: boolean } | undefined {
  const query = asNode(stmt.body['query']);
  switch (stmt.type) {
    case 'ExecuteStmt':
      return { body: stmt.body, underCreateTableAs: false };
    case 'CreateTableAsStmt':
      return query?.type === 'ExecuteStmt' ? { body: query.body, underCreateTableAs: true } : undefined;
    case 'ExplainStmt':
      return query === undefined || query.type === 'ExplainStmt' ? undefined : executeWithin(query);
    default:
      return undefined;
  }
}

/** `PREPARE name [( type, … )] AS statement`: the parser has the name, the lexer where each part is. */
function prepare(body: Rec, source: StatementSource): PreparedStatementEffect {
  const name = nameOf(body, 'PREPARE');
  const types = list(body['argtypes']);
  const tokens = source.tokens();
  if (!isKeyword(tokens[0], 'prepare')) throw new UnsupportedTree('a PREPARE that does not start with PREPARE');
  // The name is one token, or three (U&"…" UESCAPE '…'); neither `(` nor the reserved AS can be in it.
  let at = 2;
  while (at < tokens.length && !isPunctuation(tokens[at], '(') && !isKeyword(tokens[at], 'as')) at++;
  let parameterTypes: readonly string[] = [];
  if (isPunctuation(tokens[at], '(')) {
    const close = closingParen(tokens, at);
    parameterTypes = source.items(at, close, types, 'the parameter types of PREPARE');
    at = close + 1;
  }
  if (parameterTypes.length !== types.length) throw new UnsupportedTree('PREPARE parameter types the lexer does not find');
  if (!isKeyword(tokens[at], 'as') || at + 1 >= tokens.length) throw new UnsupportedTree('a PREPARE without AS and a statement');
  return Object.freeze({ kind: 'prepare', name, statement: source.slice(at + 1, tokens.length - 1), parameterTypes });
}

/** `EXECUTE name [( argument, … )]`: the arguments end the statement, but for CREATE TABLE AS's `WITH [NO] DATA`. */
function execute(body: Rec, source: StatementSource, underCreateTableAs: boolean): PreparedStatementEffect {
  const name = nameOf(body, 'EXECUTE');
  const params = list(body['params']);
  if (params.length === 0) return Object.freeze({ kind: 'execute', name, arguments: Object.freeze([]) });
  const tokens = source.tokens();
  let close = tokens.length - 1;
  if (underCreateTableAs && isKeyword(tokens[close], 'data')) {
    close -= isKeyword(tokens[close - 1], 'no') ? 2 : 1;
    if (!isKeyword(tokens[close], 'with')) throw new UnsupportedTree('CREATE TABLE AS EXECUTE ending in DATA without WITH');
    close--;
  }
  if (!isPunctuation(tokens[close], ')')) throw new UnsupportedTree('an EXECUTE whose arguments do not end the statement');
  const args = source.items(openingParen(tokens, close), close, params, 'the arguments of EXECUTE');
  return Object.freeze({ kind: 'execute', name, arguments: args });
}

/** `DEALLOCATE [PREPARE] name` or `… ALL`: the parser has it all. */
function deallocate(body: Rec): PreparedStatementEffect {
  return bool(body['isall']) ? DEALLOCATE_ALL : Object.freeze({ kind: 'deallocate', name: nameOf(body, 'DEALLOCATE') });
}

function nameOf(body: Rec, what: string): string {
  const name = str(body['name']);
  if (name === undefined || name === '') throw new UnsupportedTree(`${what} without a name`);
  return name;
}

const EFFECT_KINDS = ['prepare', 'execute', 'deallocate'] as const;

/**
 * The analyzer walks every statement nested in another: wherever it found one that prepares,
 * executes or deallocates, this code must have found it too, or the tree holds a place it does
 * not know to look (a newer parser's) — refused rather than reported as 'other'.
 */
function agreed(effect: PreparedStatementEffect, analysis: StatementAnalysis): PreparedStatementEffect {
  for (const kind of EFFECT_KINDS) {
    if (analysis.kinds.includes(kind) && effect.kind !== kind) {
      throw new UnsupportedTree(`a statement that does ${kind} where this code does not look for it`);
    }
  }
  return effect;
}

/** One statement's text and, scanned when first asked for, its tokens; offsets are the parser's bytes. */
class StatementSource {
  private lexed: { readonly text: Utf8Text; readonly tokens: readonly Token[] } | undefined;

  constructor(
    private readonly whole: Utf8Text,
    private readonly raw: RawStatement,
    private readonly scanner: Scanner,
  ) {}

  tokens(): readonly Token[] {
    return this.scanned().tokens;
  }

  /** From the start of token `first` to the end of token `last`, exactly as written. */
  slice(first: number, last: number): string {
    const { text, tokens } = this.scanned();
    return text.slice(tokens[first]!.start, tokens[last]!.end);
  }

  /**
   * The items of the bracketed list between `open` and `close`, which the parser read as `nodes`:
   * as many, and each node's position inside its item, or the two disagree and nothing is sliced.
   */
  items(open: number, close: number, nodes: readonly unknown[], what: string): readonly string[] {
    const tokens = this.tokens();
    const items = bracketedItems(tokens, open, close);
    if (items.length !== nodes.length) throw new UnsupportedTree(`${what}: the lexer and the parser count them differently`);
    items.forEach(([first, last], i) => {
      const at = locationOf(nodes[i]);
      if (at !== undefined && (at < this.raw.byteStart + tokens[first]!.start || at >= this.raw.byteStart + tokens[last]!.end)) {
        throw new UnsupportedTree(`${what}: the parser places one outside where the lexer does`);
      }
    });
    return Object.freeze(items.map(([first, last]) => this.slice(first, last)));
  }

  private scanned(): { readonly text: Utf8Text; readonly tokens: readonly Token[] } {
    if (this.lexed !== undefined) return this.lexed;
    const { byteStart, byteLength } = this.raw;
    const text = new Utf8Text(this.whole.slice(byteStart, byteLength === undefined ? undefined : byteStart + byteLength));
    const outcome = this.scanner.scan(text.text);
    if (!outcome.ok) throw new Unsupported(outcome.message);
    return (this.lexed = { text, tokens: outcome.tokens });
  }
}

/** A node's byte position in the whole text; absent (0 is left out of the JSON) or -1 means unknown. */
function locationOf(value: unknown): number | undefined {
  const location = asNode(value)?.body['location'];
  return typeof location === 'number' && location > 0 ? location : undefined;
}

function unsupported(message: string): SqlFailure {
  return Object.freeze({ ok: false, code: 'SQL_UNSUPPORTED', message });
}
