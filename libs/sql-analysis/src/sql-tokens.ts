import type { SqlFailure } from './analysis.js';
import { isRec, UnsupportedTree } from './ast.js';

type LibPgQuery = typeof import('libpg-query');

/**
 * One token of PostgreSQL's own lexer (libpg-query's scan), comments left out. Offsets are UTF-8
 * bytes into the scanned text. `keyword` is true for keywords only: a quoted `"as"` is an
 * identifier, `'('` a string, so comparing a keyword's or a bracket's text is reading the lexer's
 * verdict, not matching the SQL.
 */
export interface Token {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly keyword: boolean;
}

export type ScanOutcome = { readonly ok: true; readonly tokens: readonly Token[] } | SqlFailure;

/** The narrow part of the lexer this code uses; tests substitute it to reach failure paths. */
export interface Scanner {
  scan(text: string): ScanOutcome;
}

/**
 * libpg-query's scanSync, only ever given statements the parser has accepted, so it has nothing to
 * reject. Like PgParser, anything other than an ordinary Error thrown out of the WASM leaves the
 * module in an unknown state: from then on this scanner refuses everything.
 */
export class PgScanner implements Scanner {
  static async load(): Promise<PgScanner> {
    const lib = await import('libpg-query');
    await lib.loadModule();
    return new PgScanner(lib);
  }

  private damage: string | undefined;

  private constructor(private readonly lib: LibPgQuery) {}

  scan(text: string): ScanOutcome {
    if (this.damage !== undefined) return this.refusal();
    let result: unknown;
    try {
      result = this.lib.scanSync(jsonSafe(text));
    } catch (error) {
      // A lexer error comes back as text that is then parsed as JSON (a SyntaxError) or as an Error.
      if (error instanceof SyntaxError || (error instanceof Error && error.constructor === Error)) {
        return unsupported(`the PostgreSQL lexer failed on a statement the parser accepted: ${error.message}`);
      }
      this.damage = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return this.refusal();
    }
    const raw = isRec(result) ? result['tokens'] : undefined;
    if (!Array.isArray(raw)) return unsupported('the PostgreSQL lexer returned no token list');
    const tokens: Token[] = [];
    for (const item of raw) {
      if (isRec(item) && (item['tokenName'] === 'SQL_COMMENT' || item['tokenName'] === 'C_COMMENT')) continue;
      const found = token(item);
      if (found === undefined) return unsupported('the PostgreSQL lexer returned a token of an unknown shape');
      tokens.push(found);
    }
    return { ok: true, tokens };
  }

  private refusal(): SqlFailure {
    return unsupported(`the PostgreSQL lexer failed unexpectedly (${this.damage}) and is not trusted any more; restart the process`);
  }
}

/**
 * libpg-query writes control characters other than \t, \n and \r into its JSON unescaped, which
 * makes the JSON invalid. In a text the parser accepted they can only be inside literals, quoted
 * identifiers and comments, or be whitespace (\v, \f): a space, also one byte, leaves every token
 * boundary where it was. Only the offsets are used; every slice is taken from the original text.
 */
function jsonSafe(text: string): string {
  let safe: string[] | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) (safe ??= [...text.slice(0, i)]).push(' ');
    else safe?.push(text[i]!);
  }
  return safe === undefined ? text : safe.join('');
}

function token(raw: unknown): Token | undefined {
  if (!isRec(raw)) return undefined;
  const { start, end, text, keywordKind } = raw;
  if (typeof start !== 'number' || typeof end !== 'number' || typeof text !== 'string' || typeof keywordKind !== 'number') {
    return undefined;
  }
  return { start, end, text, keyword: keywordKind !== 0 };
}

function unsupported(message: string): SqlFailure {
  return { ok: false, code: 'SQL_UNSUPPORTED', message };
}

export function isKeyword(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.keyword && token.text.toLowerCase() === word;
}

export function isPunctuation(token: Token | undefined, text: '(' | ')' | ','): boolean {
  return token !== undefined && !token.keyword && token.text === text;
}

/** Brackets nest across both kinds: a comma inside `f(…)` or `ARRAY[…]` separates nothing here. */
function depthChange(token: Token): number {
  if (token.keyword) return 0;
  if (token.text === '(' || token.text === '[') return 1;
  if (token.text === ')' || token.text === ']') return -1;
  return 0;
}

/** The index of the `)` that closes the `(` at `open`. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    depth += depthChange(tokens[i]!);
    if (depth === 0) {
      if (!isPunctuation(tokens[i], ')')) break;
      return i;
    }
  }
  throw new UnsupportedTree('a parenthesis the lexer does not close');
}

/** The index of the `(` that the `)` at `close` closes. */
export function openingParen(tokens: readonly Token[], close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    depth -= depthChange(tokens[i]!);
    if (depth === 0) {
      if (!isPunctuation(tokens[i], '(')) break;
      return i;
    }
  }
  throw new UnsupportedTree('a parenthesis the lexer does not open');
}

/** The items of the list between the brackets at `open` and `close`: [first, last] token indexes. */
export function bracketedItems(tokens: readonly Token[], open: number, close: number): readonly (readonly [number, number])[] {
  const items: [number, number][] = [];
  let depth = 0;
  let first = open + 1;
  for (let i = open + 1; i <= close; i++) {
    const t = tokens[i]!;
    if (i === close || (depth === 0 && isPunctuation(t, ','))) {
      if (first > i - 1) throw new UnsupportedTree('an empty item in a list');
      items.push([first, i - 1]);
      first = i + 1;
    } else {
      depth += depthChange(t);
    }
  }
  return items;
}
