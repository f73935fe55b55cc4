import { hasDigit, isDigit } from './char-class.js';
import { hasSsnContextBefore, isSsnKey } from './context-words.js';
import type { DetectionContext, Detector, DetectorMatch } from './detector.types.js';

const SSN_DIGITS = 9;
const VISIBLE_DIGITS = 4;

/**
 * AAA-GG-SSSS with one separator (`-`, space or `.`) used both times, or nine bare digits. Not
 * after or before another digit; chains such as `2024-123-45-6789` are rejected in code.
 */
const CANDIDATE = /(?<!\d)\d{3}([-. ]?)\d{2}\1\d{4}(?!\d)/g;

/**
 * Numbers the SSA has declared void after they were printed in advertising and on sample cards
 * (Woolworth's wallet insert, the 1940 Social Security Board pamphlet): they identify nobody.
 * 123-45-6789 is deliberately *not* here: it is valid-shaped and the first number anyone types
 * into a form, so it is masked like any other.
 */
const VOID_NUMBERS: ReadonlySet<string> = new Set(['078051120', '219099999']);

/**
 * US Social Security numbers. Formatted numbers are recognised alone; nine bare digits only after
 * an SSN word ("SSN", "social security", "soc sec", "taxpayer") within a short window, or under an
 * SSN-like field name. Valid only when the area is not 000, 666 or 900–999, the group not 00 and
 * the serial not 0000 (the SSA never issues those).
 */
export const ssnDetector: Detector = {
  id: 'ssn',
  find(text: string, out: DetectorMatch[], context?: DetectionContext): void {
    const keyed = context?.key !== undefined && isSsnKey(context.key);
    CANDIDATE.lastIndex = 0;
    // test() rather than exec(): bare nine-digit ids are common, and each match array is garbage.
    while (CANDIDATE.test(text)) {
      const end = CANDIDATE.lastIndex;
      const bare = isDigit(text.charCodeAt(end - 5));
      const start = end - (bare ? SSN_DIGITS : SSN_DIGITS + 2);
      if (continuesNumber(text, start, end) || !isIssuable(text, start, end)) continue;
      if (bare && !keyed && !hasSsnContextBefore(text, start)) continue;
      out.push({ detector: 'ssn', start, end });
    }
  },
  partial(text: string, start: number, end: number): string {
    // `***-**-6789`: separators kept, the last four digits shown.
    let masked = '';
    let seen = 0;
    for (let i = start; i < end; i++) {
      const isDigitHere = isDigit(text.charCodeAt(i));
      if (isDigitHere) seen++;
      masked += isDigitHere && seen <= SSN_DIGITS - VISIBLE_DIGITS ? '*' : text.charAt(i);
    }
    return masked;
  },
  canonical(text: string, start: number, end: number): string {
    return digitsOf(text, start, end);
  },
  // Cheap conditions only: on a short text, CANDIDATE itself is faster than a scan in code.
  mayMatchView: (text) => text.length >= SSN_DIGITS && hasDigit(text),
  mayMatchAscii(bytes: Uint8Array, start: number, end: number): boolean {
    // Nine digits, consecutive ones joined by at most one of `-`, space, `.`.
    let digits = 0;
    let separated = false;
    for (let i = start; i < end; i++) {
      const code = bytes[i]!;
      if (isDigit(code)) {
        if (++digits >= SSN_DIGITS) return true;
        separated = false;
      } else if (digits > 0 && !separated && (code === 0x2d || code === 0x20 || code === 0x2e)) {
        separated = true;
      } else {
        digits = 0;
        separated = false;
      }
    }
    return false;
  },
};

function digitsOf(text: string, start: number, end: number): string {
  let digits = '';
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i))) digits += text.charAt(i);
  return digits;
}

/**
 * `1.123-45-6789`, `123-45-6789-0`: part of a longer dashed or dotted number; `+688 90 1234`: an
 * international phone number (Tuvalu's are 3-2-4). Not an SSN.
 */
function continuesNumber(text: string, start: number, end: number): boolean {
  const before = text.charCodeAt(start - 1);
  const after = text.charCodeAt(end);
  return before === 0x2b || (isJoiner(before) && isDigit(text.charCodeAt(start - 2))) || (isJoiner(after) && isDigit(text.charCodeAt(end + 1)));
}

/** Numbers chained by these are one longer number; a space is only the gap between two numbers. */
function isJoiner(code: number): boolean {
  return code === 0x2d || code === 0x2e || code === 0x2f;
}

function isIssuable(text: string, start: number, end: number): boolean {
  // Digit values read in place: area (3), group (2), serial (4), skipping the separators.
  let value = 0;
  let area = 0;
  let group = 0;
  let count = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) continue;
    value = value * 10 + code - 0x30;
    if (++count === 3) area = value;
    else if (count === 5) group = value % 100;
  }
  const serial = value % 10_000;
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  return !VOID_NUMBERS.has(digitsOf(text, start, end));
}
