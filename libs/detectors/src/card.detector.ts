import { issuerAccepts, MAX_CARD_DIGITS, MIN_CARD_DIGITS, mayLeadCard } from './card-issuers.js';
import { GROUP_SEPARATOR_CLASS, hasDigit, isAsciiAlnum, isDigit, isGroupSeparator, MAX_GROUP_SEPARATORS } from './char-class.js';
import type { Detector, DetectorMatch } from './detector.types.js';
import { luhnValidDigitValues } from './luhn.js';

const VISIBLE_DIGITS = 4;
const PLUS = 0x2b;
const DOT = 0x2e;
const HYPHEN = 0x2d;

/**
 * Candidate finder: a maximal run of digits in which consecutive digits are joined by at most
 * MAX_GROUP_SEPARATORS separators, holding at least 13 digits. The lookbehind makes each run start
 * exactly once (a position just after a digit and separators cannot start a run), and every loop
 * step consumes a digit, so the scan is linear with no catastrophic backtracking. Runs too short
 * to hold a card are rejected inside the regex engine without allocating.
 *
 * Shared module-level state is safe because `find` is synchronous and resets `lastIndex`.
 */
const SEPARATORS = `${GROUP_SEPARATOR_CLASS}{1,${MAX_GROUP_SEPARATORS}}`;
const CANDIDATE_RUN = new RegExp(`(?<!\\d|\\d${SEPARATORS})\\d(?:\\d|${SEPARATORS}\\d){${MIN_CARD_DIGITS - 1},}`, 'g');

/**
 * Payment card numbers: Luhn, an issuer range and a length that issuer uses, in a digit-group
 * layout people write cards in (see layoutAllows). Digits glued to letters count (`VISA4111…`,
 * `…1111exp`); digits glued to more digits make a longer number, which is not a card.
 */
export const cardDetector: Detector = {
  id: 'card',
  find(text: string, out: DetectorMatch[]): void {
    CANDIDATE_RUN.lastIndex = 0;
    for (let run = CANDIDATE_RUN.exec(text); run !== null; run = CANDIDATE_RUN.exec(text)) {
      findCardsInRun(text, run.index, CANDIDATE_RUN.lastIndex, out);
    }
  },
  partial: maskCardDigits,
  canonical: (text, start, end) => digitsOf(text, start, end),
  // Cheap conditions only: on a short text, CANDIDATE_RUN itself is as fast as a scan in code.
  mayMatchView: (text) => text.length >= MIN_CARD_DIGITS && hasDigit(text),
  mayMatchAscii: hasCandidateRun,
};

function digitsOf(text: string, start: number, end: number): string {
  let digits = '';
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i))) digits += text.charAt(i);
  return digits;
}

/**
 * CANDIDATE_RUN on bytes. Digits and separators are ASCII, and UTF-8 never uses ASCII bytes inside
 * a multi-byte character, so the bytes hold such a run exactly when the decoded text does.
 */
function hasCandidateRun(bytes: Uint8Array, start: number, end: number): boolean {
  let digits = 0;
  let separators = 0;
  for (let i = start; i < end; i++) {
    const code = bytes[i]!;
    if (isDigit(code)) {
      if (++digits >= MIN_CARD_DIGITS) return true;
      separators = 0;
    } else if (digits > 0 && separators < MAX_GROUP_SEPARATORS && isGroupSeparator(code)) {
      separators++;
    } else {
      digits = 0;
      separators = 0;
    }
  }
  return false;
}

// Scratch space for one run's digit groups and one span's digit values; `find` is synchronous.
let groupStarts = new Int32Array(64);
let groupEnds = new Int32Array(64);
const spanDigits = new Uint8Array(MAX_CARD_DIGITS);

/** Digits in the groups readGroups read last. */
let runDigits = 0;

/** Splits the run into maximal digit groups; returns how many. */
function readGroups(text: string, runStart: number, runEnd: number): number {
  let count = 0;
  let i = runStart;
  runDigits = 0;
  while (i < runEnd) {
    if (count === groupStarts.length) {
      const grownStarts = new Int32Array(count * 2);
      const grownEnds = new Int32Array(count * 2);
      grownStarts.set(groupStarts);
      grownEnds.set(groupEnds);
      groupStarts = grownStarts;
      groupEnds = grownEnds;
    }
    groupStarts[count] = i;
    while (i < runEnd && isDigit(text.charCodeAt(i))) i++;
    runDigits += i - groupStarts[count]!;
    groupEnds[count++] = i;
    while (i < runEnd && !isDigit(text.charCodeAt(i))) i++;
  }
  return count;
}

/**
 * A run may hold several numbers that are not all one card (`ref 2023 4111 1111 1111 1111`), so
 * every group start is tried. Valid spans that overlap are merged and masked as one region:
 * otherwise a neighbouring group that happens to pass the checks together with the first digits of
 * a card would win, and the card's middle digits would stay visible. Over-masking an adjacent
 * number is the safe failure.
 */
function findCardsInRun(text: string, runStart: number, runEnd: number, out: DetectorMatch[]): void {
  const groups = readGroups(text, runStart, runEnd);
  let regionStart = -1;
  let regionEnd = -1;
  let remaining = runDigits; // digits from group `first` to the run's end
  for (let first = 0; first < groups; first++) {
    const start = groupStarts[first]!;
    const lead = text.charCodeAt(start) - 0x30;
    const enough = remaining >= MIN_CARD_DIGITS;
    remaining -= groupEnds[first]! - start;
    // What longestCardFrom would reject first: a span too short, or a leading digit no issuer uses.
    if (!enough || !mayLeadCard(lead)) continue;
    const last = longestCardFrom(text, first, groups);
    if (last === -1) continue;
    const spanStart = groupStarts[first]!;
    const spanEnd = groupEnds[last]!;
    if (spanStart < regionEnd) {
      regionEnd = Math.max(regionEnd, spanEnd);
      continue;
    }
    if (regionStart !== -1) out.push({ detector: 'card', start: regionStart, end: regionEnd });
    regionStart = spanStart;
    regionEnd = spanEnd;
  }
  if (regionStart !== -1) out.push({ detector: 'card', start: regionStart, end: regionEnd });
}

/**
 * Index of the last group of the longest card starting at group `first`, or -1.
 *
 * Layouts accepted (k groups, the span's groups only):
 * - one group of 13–19 digits;
 * - "big groups": every group but the last has 4+ digits, and the last has 4+ or closes 4+
 *   groups (`4111 1111 1111 1111`, `3782 822463 10005`, `4222 2222 2222 2`, 4-4-4-4-3), with
 *   any separator runs, mixed (`4111..1111//1111 - 1111`);
 * - "small groups": groups of one length L of 1–3 digits, the last no longer than L, joined by one
 *   and the same single separator (`4 1 1 1 …`, `41 11 11 …`, `411-111-…`, `411.111.…`).
 * That keeps out what joins short numbers: dates and times (2-2-4), IP addresses and lists of
 * them, version strings, phone numbers (`+49 151 12345678`), UUID groups.
 */
function longestCardFrom(text: string, first: number, groups: number): number {
  const firstLength = groupEnds[first]! - groupStarts[first]!;
  let best = -1;
  let digits = 0;
  let allBig = true; // every group before the current one has 4+ digits
  let uniform = firstLength <= 3; // every group before the current one has firstLength digits, one separator
  let separator = -1;
  for (let group = first; group < groups; group++) {
    const start = groupStarts[group]!;
    const length = groupEnds[group]! - start;
    if (digits + length > MAX_CARD_DIGITS) break;
    for (let i = 0; i < length; i++) spanDigits[digits + i] = text.charCodeAt(start + i) - 0x30;
    digits += length;
    const count = group - first + 1;
    if (group > first && uniform) {
      const gap = start - groupEnds[group - 1]!;
      const code = text.charCodeAt(start - 1);
      if (separator === -1) separator = code;
      uniform = gap === 1 && code === separator;
    }
    const layoutOk = count === 1 || (allBig && (length >= 4 || count >= 4)) || (uniform && length <= firstLength);
    if (digits >= MIN_CARD_DIGITS && layoutOk && issuerAccepts(spanDigits, digits) && luhnValidDigitValues(spanDigits, digits)
      && !isExcluded(text, groupStarts[first]!, groupEnds[group]!, count)) {
      best = group;
    }
    allBig &&= length >= 4;
    uniform &&= length === firstLength;
  }
  return best;
}

/**
 * Valid-looking spans that are something else:
 * - a span right after `+` is a phone number in international form;
 * - a lone group after `<digit>.` is the fraction of a decimal number (JSON floats carry 16–17),
 *   and two groups joined by one `.` are a decimal number (`41111111.11111111`, a SQL numeric);
 * - digits inside a UUID, or a lone group inside a long hexadecimal token (a hash, a trace id).
 */
function isExcluded(text: string, start: number, end: number, groups: number): boolean {
  const before = text.charCodeAt(start - 1);
  if (before === PLUS) return true;
  if (groups === 1 && before === DOT && isDigit(text.charCodeAt(start - 2))) return true;
  if (groups === 2 && isDecimalPoint(text, start, end)) return true;
  return isInsideUuid(text, start, end) || (groups === 1 && isInsideHexToken(text, start, end));
}

/** Whether the only separator in the two-group span `text[start, end)` is a single `.`. */
function isDecimalPoint(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === DOT && isDigit(text.charCodeAt(i + 1));
}

const UUID_LENGTH = 36;

function isInsideUuid(text: string, start: number, end: number): boolean {
  if (end - start > UUID_LENGTH) return false;
  for (let p = Math.max(0, end - UUID_LENGTH); p <= start; p++) {
    if (isUuidAt(text, p)) return true;
  }
  return false;
}

/**
 * A UUID's shape at `at`. Neighbours are not checked: in a view of markup read without its tags a
 * UUID may be glued to the text of the element before it (`<id>7</id><note>4729…-…`).
 */
function isUuidAt(text: string, at: number): boolean {
  if (at < 0 || at + UUID_LENGTH > text.length) return false;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const code = text.charCodeAt(at + i);
    const dash = i === 8 || i === 13 || i === 18 || i === 23;
    if (dash ? code !== HYPHEN : !isHex(code)) return false;
  }
  return true;
}

/** Hex ids this long are hashes and object ids (24: ObjectId, 32: MD5/trace id, 40: SHA-1 …). */
const MIN_HEX_TOKEN = 24;

function isInsideHexToken(text: string, start: number, end: number): boolean {
  let tokenStart = start;
  while (tokenStart > 0 && isAsciiAlnum(text.charCodeAt(tokenStart - 1))) tokenStart--;
  let tokenEnd = end;
  while (tokenEnd < text.length && isAsciiAlnum(text.charCodeAt(tokenEnd))) tokenEnd++;
  if ((tokenStart === start && tokenEnd === end) || tokenEnd - tokenStart < MIN_HEX_TOKEN) return false;
  return allHex(text, tokenStart, start) && allHex(text, end, tokenEnd);
}

function allHex(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isHex(text.charCodeAt(i))) return false;
  return true;
}

function isHex(code: number): boolean {
  const lower = code | 0x20;
  return isDigit(code) || (lower >= 0x61 && lower <= 0x66);
}

// Long enough for any digit group in a candidate, so masking a group is one slice.
const STARS = '*'.repeat(64);

/**
 * Replaces every digit but the last four with `*`, keeping separators and any other characters
 * (such as a JSON number's minus sign) in place. Works a stretch at a time so a card costs a few
 * slices, not a string per digit.
 */
export function maskCardDigits(text: string, start: number, end: number): string {
  const visibleFrom = lastDigitsStart(text, start, end, VISIBLE_DIGITS);
  let masked = '';
  let stretchStart = start;
  for (let i = start; i < visibleFrom; i++) {
    if (isDigit(text.charCodeAt(i))) continue;
    masked += stars(i - stretchStart) + text.charAt(i);
    stretchStart = i + 1;
  }
  return masked + stars(visibleFrom - stretchStart) + text.slice(visibleFrom, end);
}

function stars(count: number): string {
  return count <= STARS.length ? STARS.slice(0, count) : '*'.repeat(count);
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
