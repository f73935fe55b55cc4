import { maskCardDigits } from './card.detector.js';
import { isDigit } from './char-class.js';
import { luhnValidIgnoringSeparators } from './luhn.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

// Cheap native pre-check: without 13 consecutive digits no token can qualify.
const THIRTEEN_DIGITS = /\d{13}/;

/**
 * Why this exists: `JSON.parse` turns integers above 2^53 into the nearest
 * double, so a 19-digit card number cannot be Luhn-checked or masked from the
 * parsed value, and Node 20's reviver has no access to the source text.
 *
 * Approach: scan the raw text for number tokens (skipping string literals) and
 * replace each one that is a plain integer of 13-19 digits passing Luhn with a
 * string literal holding its masked form. Swapping one value token for another
 * keeps the document's structure, so the result parses into the same tree with
 * those numbers already masked. This must only run on text that `JSON.parse`
 * has already accepted: on invalid input a "number" may sit where a value is
 * not allowed (an object key), and the swap could turn it into valid JSON.
 *
 * Returns undefined when nothing qualified, so the caller can skip a re-parse.
 */
export function maskCardNumberTokens(json: string): string | undefined {
  if (!THIRTEEN_DIGITS.test(json)) return undefined;
  let rewritten = '';
  let cursor = 0;
  let i = 0;
  while (i < json.length) {
    const code = json.charCodeAt(i);
    if (code === QUOTE) {
      i = endOfString(json, i + 1);
    } else if (code === MINUS || isDigit(code)) {
      const end = endOfNumber(json, i);
      if (isCardNumberToken(json, i, end)) {
        rewritten += json.slice(cursor, i) + '"' + maskCardDigits(json, i, end) + '"';
        cursor = end;
      }
      i = end;
    } else {
      i++;
    }
  }
  return cursor === 0 ? undefined : rewritten + json.slice(cursor);
}

/** Index just past the closing quote of a string whose body starts at `from`. */
function endOfString(json: string, from: number): number {
  let search = from;
  for (;;) {
    const quote = json.indexOf('"', search);
    if (quote === -1) return json.length;
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    search = quote + 1;
  }
}

/** Index just past a number token: JSON numbers use only digits and `-+.eE`. */
function endOfNumber(json: string, from: number): number {
  let i = from;
  while (i < json.length && isNumberChar(json.charCodeAt(i))) i++;
  return i;
}

function isNumberChar(code: number): boolean {
  return isDigit(code) || code === MINUS || code === 0x2b || code === 0x2e || code === 0x45 || code === 0x65;
}

/**
 * Plain integers only (an optional minus kept as-is, as in free text):
 * fractions and exponents are not how card numbers are written.
 */
function isCardNumberToken(json: string, start: number, end: number): boolean {
  const digitsStart = json.charCodeAt(start) === MINUS ? start + 1 : start;
  const length = end - digitsStart;
  if (length < MIN_DIGITS || length > MAX_DIGITS || json.charCodeAt(digitsStart) === DIGIT_0) return false;
  for (let i = digitsStart; i < end; i++) {
    if (!isDigit(json.charCodeAt(i))) return false;
  }
  return luhnValidIgnoringSeparators(json, digitsStart, end);
}
