/**
 * Why this exists: libpg-query turns the parse tree into JSON with a recursive C function running on
 * the JavaScript stack. A tree a few thousand levels deep (`SELECT 1+1+…+1` with ~9,500 terms,
 * ~2,600 nested `(SELECT …)`, ~4,800 nested `a[a[…]]` — 14 KB of text) exhausts that stack; the
 * RangeError unwinds the WASM frames without restoring Emscripten's own stack pointer or freeing
 * the parse's memory, and after a few dozen such failures the module dies with "memory access out
 * of bounds" for every caller. So texts that could be that deep are refused before they reach it.
 *
 * This is not analysis and decides nothing about what a statement does: it only over-estimates
 * nesting, so its single outcome is a refusal (SQL_TOO_DEEP), which the policy denies anyway.
 * It skips strings, quoted identifiers and comments the way PostgreSQL's lexer does (standard
 * conforming strings, as libpg-query assumes) and counts, per bracket level, the words, quoted
 * identifiers and operator characters since the last comma or AND/OR — the parser flattens lists
 * and AND/OR chains, but any other operator or keyword in a run can add a level (left-deep
 * `a+b+c`, `x::t::t`, `NOT NOT`). Literals never add one (a level needs an operator, a keyword or
 * a bracket), so numbers, strings and parameters are not counted. Each open bracket or CASE adds
 * a fixed amount. UNION/INTERSECT/EXCEPT/JOIN chains nest across commas, so they are counted
 * separately and never reset.
 */

/** Below this size no text can reach the depth that fails (the smallest failing input found is 14 KB). */
export const GUARD_MIN_BYTES = 4096;

/**
 * The limit, in units of the estimate below. Calibrated against libpg-query 18.1.5 on Node 20's
 * default stack: every construct tried failed at 3.2× this or more (see nesting-guard.test.ts).
 */
export const MAX_NESTING_UNITS = 3000;

const BRACKET_UNITS = 3;
const CHAIN_UNITS = 2;

interface Level {
  run: number;
  chain: number;
  readonly isCase: boolean;
}

/** An over-estimate of how deep the parse tree of `text` can be. */
export function nestingUnits(text: string): number {
  const levels: Level[] = [{ run: 0, chain: 0, isCase: false }];
  let depth = 0; // the sum over open levels, kept incrementally
  let deepest = 0;
  const top = (): Level => levels[levels.length - 1]!;
  const count = (units: number): void => {
    top().run += units;
    depth += units;
    if (depth > deepest) deepest = depth;
  };
  const reset = (): void => {
    depth -= top().run;
    top().run = 0;
  };
  const open = (isCase: boolean): void => {
    levels.push({ run: 0, chain: 0, isCase });
    depth += BRACKET_UNITS;
    if (depth > deepest) deepest = depth;
  };
  const close = (): void => {
    if (levels.length === 1) return;
    const level = levels.pop()!;
    depth -= BRACKET_UNITS + level.run + level.chain;
  };

  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      i = skipLineComment(text, i);
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      i = skipBlockComment(text, i);
    } else if (c === 39 /* ' */) {
      i = skipQuoted(text, i, 39, false);
    } else if (c === 34 /* " */) {
      i = skipQuoted(text, i, 34, false);
      count(1); // an identifier can carry a level (x COLLATE "C" COLLATE "C" …)
    } else if (c === 36 /* $ */) {
      i = skipDollar(text, i);
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < n && isIdentCont(text.charCodeAt(i))) i++;
      const word = text.slice(start, i).toLowerCase();
      if (word === 'e' && text.charCodeAt(i) === 39) {
        i = skipQuoted(text, i, 39, true); // E'…': backslash escapes
        continue;
      }
      switch (word) {
        case 'and': case 'or':
          reset();
          break;
        case 'case':
          count(1);
          open(true);
          break;
        case 'end':
          if (top().isCase) close();
          count(1);
          break;
        case 'when': case 'then': case 'else':
          if (top().isCase) reset();
          else count(1);
          break;
        case 'union': case 'intersect': case 'except': case 'join':
          top().chain += CHAIN_UNITS;
          count(1);
          depth += CHAIN_UNITS;
          if (depth > deepest) deepest = depth;
          break;
        default:
          count(1);
      }
    } else if (isDigit(c)) {
      while (i < n && (isIdentCont(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
    } else {
      i++;
      if (c === 40 /* ( */ || c === 91 /* [ */) {
        open(false);
      } else if (c === 41 /* ) */ || c === 93 /* ] */) {
        close();
      } else if (c === 44 /* , */) {
        reset();
      } else if (c === 59 /* ; */ && levels.length === 1) {
        reset();
        top().chain = 0;
        depth = 0;
      } else {
        count(1); // every operator character counts: `+-+-1` nests one level per character
      }
    }
  }
  return deepest;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isIdentCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}

function skipLineComment(text: string, i: number): number {
  const end = text.indexOf('\n', i);
  return end === -1 ? text.length : end + 1;
}

/** PostgreSQL's block comments nest. */
function skipBlockComment(text: string, i: number): number {
  let level = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 42) {
      level++;
      i += 2;
    } else if (text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47) {
      level--;
      i += 2;
      if (level === 0) return i;
    } else i++;
  }
  return i;
}

/** '…' or "…", the quote doubled inside; with backslash escapes for E'…'. Unterminated: to the end. */
function skipQuoted(text: string, i: number, quote: number, backslash: boolean): number {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (backslash && c === 92) i += 2;
    else if (c === quote) {
      if (text.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}

/** `$1` (a parameter), `$tag$ … $tag$` / `$$ … $$` (a dollar-quoted string), or a lone `$`. */
function skipDollar(text: string, i: number): number {
  let j = i + 1;
  if (isDigit(text.charCodeAt(j))) {
    while (isDigit(text.charCodeAt(j))) j++;
    return j;
  }
  if (j < text.length && text.charCodeAt(j) !== 36) {
    if (!isIdentStart(text.charCodeAt(j))) return j;
    while (j < text.length && (isIdentStart(text.charCodeAt(j)) || isDigit(text.charCodeAt(j)))) j++;
    if (text.charCodeAt(j) !== 36) return i + 1; // not a delimiter: just the `$`
  }
  const delimiter = text.slice(i, j + 1);
  const end = text.indexOf(delimiter, j + 1);
  return end === -1 ? text.length : end + delimiter.length;
}
