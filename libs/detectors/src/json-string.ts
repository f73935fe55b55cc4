const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Everything a JSON string holds as itself: scanned natively, no allocation (sticky, test() only).
const PLAIN = /[^"\\\x00-\x1f]*/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const UNESCAPED = /[^\\"]*/y;

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']]);

/**
 * Index just past the closing quote of the JSON string whose opening quote is at `at`, or -1 when
 * it is not a valid string (RFC 8259: no raw control characters, only the defined escapes).
 * Escaped lone surrogates are accepted, as JSON.parse does; masking re-encodes them as escapes.
 */
export function endOfJsonString(json: string, at: number, escapes?: { found: boolean }): number {
  let i = at + 1;
  if (escapes !== undefined) escapes.found = false;
  for (;;) {
    PLAIN.lastIndex = i;
    PLAIN.test(json);
    i = PLAIN.lastIndex;
    const code = json.charCodeAt(i);
    if (code === QUOTE) return i + 1;
    if (code !== BACKSLASH) return -1; // a control character, or the end of the text
    if (escapes !== undefined) escapes.found = true;
    const kind = json.charAt(i + 1);
    if (kind === 'u') {
      HEX4.lastIndex = i + 2;
      if (!HEX4.test(json)) return -1;
      i += 6;
    } else if (SIMPLE_ESCAPES.has(kind)) {
      i += 2;
    } else {
      return -1;
    }
  }
}

/** The value of a valid JSON string token json[start, end) (quotes included); `escaped` false skips looking for escapes. */
export function decodeJsonString(json: string, start: number, end: number, escaped = true): string {
  const last = end - 1;
  if (!escaped) return json.slice(start + 1, last);
  let backslash = nextBackslash(json, start + 1);
  if (backslash >= last) return json.slice(start + 1, last);
  let value = '';
  let cursor = start + 1;
  while (backslash < last) {
    value += json.slice(cursor, backslash);
    const kind = json.charAt(backslash + 1);
    if (kind === 'u') {
      value += String.fromCharCode(Number.parseInt(json.slice(backslash + 2, backslash + 6), 16));
      cursor = backslash + 6;
    } else {
      value += SIMPLE_ESCAPES.get(kind)!;
      cursor = backslash + 2;
    }
    backslash = nextBackslash(json, cursor);
  }
  return value + json.slice(cursor, last);
}

/**
 * The next backslash, or the closing quote if none comes first: bounded by the token, where
 * indexOf('\\') would search the rest of the document for every string.
 */
function nextBackslash(json: string, from: number): number {
  UNESCAPED.lastIndex = from;
  UNESCAPED.test(json);
  return UNESCAPED.lastIndex;
}

/** A string as a JSON string literal: JSON.stringify escapes quotes, backslashes, control characters and lone surrogates. */
export function jsonStringLiteral(value: string): string {
  return JSON.stringify(value);
}
