import { isAlnumAt, isAlnumBefore, isDigit } from './char-class.js';
import type { Detector, DetectorMatch } from './detector.types.js';
import { luhnValidIgnoringSeparators } from './luhn.js';

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const VISIBLE_DIGITS = 4;

/**
 * Candidate finder: a maximal run of digits joined by single spaces or dashes
 * that holds at least 13 digits. Every step consumes a digit, so the pattern
 * is unambiguous and cannot backtrack catastrophically; runs too short to be
 * a card are rejected inside the regex engine without allocating a match.
 * The unbounded `{12,}` matters: the match must cover the whole run so that
 * a card glued to a longer digit run is recognised as part of that run.
 *
 * Shared module-level state is safe because `find` is synchronous and resets
 * `lastIndex` before use.
 */
const CANDIDATE_RUN = /\d(?:[ -]?\d){12,}/g;

export const cardDetector: Detector = {
  id: 'card',
  find(text: string, out: DetectorMatch[]): void {
    CANDIDATE_RUN.lastIndex = 0;
    // test() rather than exec(): no match array or substring per candidate.
    while (CANDIDATE_RUN.test(text)) {
      const runEnd = CANDIDATE_RUN.lastIndex;
      findCardsInRun(text, runStartBefore(text, runEnd), runEnd, out);
    }
  },
  partial: maskCardDigits,
  canonical: (text, start, end) => digitsOf(text, start, end),
  mayMatchAscii(bytes: Uint8Array, start: number, end: number): boolean {
    return hasCandidateRun(bytes, start, end);
  },
};

function digitsOf(text: string, start: number, end: number): string {
  let digits = '';
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i))) digits += text.charAt(i);
  return digits;
}

/**
 * CANDIDATE_RUN on bytes: 13 ASCII digits joined by at most one space or dash each. Digits and
 * separators are ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte character, so the
 * bytes hold such a run exactly when the decoded text does.
 */
function hasCandidateRun(bytes: Uint8Array, start: number, end: number): boolean {
  let digits = 0;
  let afterDigit = false;
  for (let i = start; i < end; i++) {
    const code = bytes[i]!;
    if (isDigit(code)) {
      if (++digits >= MIN_DIGITS) return true;
      afterDigit = true;
    } else if (afterDigit && isSeparator(code)) {
      afterDigit = false;
    } else {
      digits = 0;
      afterDigit = false;
    }
  }
  return false;
}

/**
 * Start of the candidate run ending at `runEnd`. The regex match is the whole
 * maximal run, so walking back over digits and single separators finds the
 * same start the regex did.
 */
function runStartBefore(text: string, runEnd: number): number {
  let i = runEnd - 1;
  while (i > 0) {
    const before = text.charCodeAt(i - 1);
    if (isDigit(before)) i--;
    else if (isSeparator(before) && isDigit(text.charCodeAt(i - 2))) i -= 2;
    else break;
  }
  return i;
}

function isSeparator(code: number): boolean {
  return code === 0x20 || code === 0x2d;
}

/**
 * A run may hold several digit groups that are not all one card
 * (`ref 2023 4111 1111 1111 1111`), so every group start is tried. Valid spans
 * that overlap are merged and masked as one region: otherwise a neighbouring
 * group that happens to pass Luhn together with the first 12 digits of a card
 * would win, and the card's middle digits would stay visible. Over-masking an
 * adjacent number is the safe failure.
 */
function findCardsInRun(text: string, runStart: number, runEnd: number, out: DetectorMatch[]): void {
  let regionStart = -1;
  let regionEnd = -1;
  for (let groupStart = runStart; groupStart < runEnd; groupStart = nextGroupStart(text, groupStart, runEnd)) {
    const spanEnd = longestCardFrom(text, groupStart, runEnd);
    if (spanEnd === -1) continue;
    if (groupStart < regionEnd) {
      regionEnd = Math.max(regionEnd, spanEnd);
      continue;
    }
    if (regionStart !== -1) out.push(cardMatch(regionStart, regionEnd));
    regionStart = groupStart;
    regionEnd = spanEnd;
  }
  if (regionStart !== -1) out.push(cardMatch(regionStart, regionEnd));
}

function cardMatch(start: number, end: number): DetectorMatch {
  return { detector: 'card', start, end };
}

/**
 * End index of the longest card starting at `start` (a group start), or -1.
 * A span must use one separator kind throughout: mixing them almost always
 * means two unrelated numbers (`2023-11-05 4111 ...`) sit next to each other.
 */
function longestCardFrom(text: string, start: number, runEnd: number): number {
  let best = -1;
  let digits = 0;
  let separator = -1;
  let i = start;
  while (i < runEnd) {
    const groupStart = i;
    while (i < runEnd && isDigit(text.charCodeAt(i))) i++;
    digits += i - groupStart;
    if (digits > MAX_DIGITS) break;
    if (digits >= MIN_DIGITS && isStandalone(text, start, i) && luhnValidIgnoringSeparators(text, start, i)) {
      best = i;
    }
    if (i >= runEnd) break;
    const code = text.charCodeAt(i);
    if (separator === -1) separator = code;
    else if (code !== separator) break;
    i++;
  }
  return best;
}

/** Digits glued to letters or other digits belong to an identifier, not a card. */
function isStandalone(text: string, start: number, end: number): boolean {
  return !isAlnumBefore(text, start) && !isAlnumAt(text, end);
}

function nextGroupStart(text: string, from: number, runEnd: number): number {
  let i = from;
  while (i < runEnd && isDigit(text.charCodeAt(i))) i++;
  return i + 1;
}

// Long enough for any digit group in a candidate, so masking a group is one slice.
const STARS = '*'.repeat(MAX_DIGITS);

/**
 * Replaces every digit but the last four with `*`, keeping separators and any
 * other characters (such as a JSON number's minus sign) in place. Works a
 * digit group at a time so a card costs a few slices, not a string per digit.
 */
export function maskCardDigits(text: string, start: number, end: number): string {
  const visibleFrom = lastDigitsStart(text, start, end, VISIBLE_DIGITS);
  let masked = '';
  let groupStart = start;
  for (let i = start; i < visibleFrom; i++) {
    if (isDigit(text.charCodeAt(i))) continue;
    masked += STARS.slice(0, i - groupStart) + text.charAt(i);
    groupStart = i + 1;
  }
  return masked + STARS.slice(0, visibleFrom - groupStart) + text.slice(visibleFrom, end);
}

/** Index of the `count`-th digit counted back from `end` (or `start`). */
function lastDigitsStart(text: string, start: number, end: number, count: number): number {
  let i = end;
  for (let seen = 0; seen < count && i > start; ) {
    i--;
    if (isDigit(text.charCodeAt(i))) seen++;
  }
  return i;
}
