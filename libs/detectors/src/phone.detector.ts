import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { hasDigit, isAsciiAlnum, isDigit } from './char-class.js';
import { hasPhoneContextBefore, isPhoneKey } from './context-words.js';
import type { DetectionContext, Detector, DetectorMatch } from './detector.types.js';

/** The region national numbers are read in, unless a detector is built for another. */
export const DEFAULT_PHONE_REGION: CountryCode = 'US';

const PLUS = 0x2b;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const VISIBLE_DIGITS = 2;
/** E.164 allows 15 digits; a written `(0)` trunk prefix and a little slack make 17. */
const MAX_DIGITS = 17;
const MIN_DIGITS = 7;
const MAX_SEPARATOR_RUN = 2;

/**
 * North American national forms: `(201) 555-0123`, `201-555-0123`, `201.555.0123`, `1 201 555 0123`,
 * and the same digits bare (`2015550123`, `12015550123`), which only count with context. A leading
 * trunk `1` is followed by a separator or `(` unless all is bare: `1831 609 1261` is three numbers.
 * Not after a digit or `+`:
 * each alternative checks that right after its first character, so the (costly) lookbehind runs
 * only where a candidate can start, not at every position of the text.
 */
const NANP_NATIONAL = /(?:1(?<![\d+]1)(?:[ .-]?\(\d{3}\) ?|[ .-]\d{3}[ .-]?|\d{3})|\((?<![\d+]\()\d{3}\) ?|\d(?<![\d+]\d)\d{2}[ .-]?)\d{3}[ .-]?\d{4}(?!\d)/g;

/**
 * Other regions' national forms, which start with a trunk prefix `0` (`030 1234567`,
 * `(0151) 1234 5678`, `06 12 34 56 78`), and bare digit strings, which only count with context.
 */
const TRUNK_NATIONAL = /(?<![\d+])(?:\(0\d{1,5}\) ?|0\d{1,5})(?:[ .\/-]?\d{2,8}){1,4}(?!\d)/g;

/**
 * Phone numbers, found by fast linear scanners and validated by libphonenumber-js with its full
 * ("max") metadata, so only numbers a numbering plan assigns count:
 * - international form, `+` or `00` and a country code, any country (`+44 20 7946 0958`,
 *   `0049 30 1234567`, `+1 (201) 555-0123`, `+49 (0)30 1234567`);
 * - national form of the detector's region with separators or parentheses;
 * - bare national digit strings only after a phone word ("tel", "mobile", "Telefon" …) or under a
 *   phone-like field name.
 * Only candidates reach libphonenumber: running its own text search over whole texts is far slower.
 */
export function createPhoneDetector(region: CountryCode): Detector {
  const nanp = getCountryCallingCode(region) === '1';
  const national = nanp ? NANP_NATIONAL : TRUNK_NATIONAL;
  const nationalTest = new RegExp(national.source);
  // `201555-0123` is not how a North American number is written; `030 1234567` is a German one.
  const minSeparators = nanp ? 2 : 1;
  return {
    id: 'phone',
    find(text: string, out: DetectorMatch[], context?: DetectionContext): void {
      const from = out.length;
      findInternational(text, out);
      findNational(text, national, minSeparators, region, context, out);
      if (out.length - from > 1) orderWithoutOverlaps(out, from);
    },
    partial(text: string, start: number, end: number): string {
      return maskPhone(text, start, end, region);
    },
    canonical(text: string, start: number, end: number): string {
      const parsed = parseCandidate(text, start, end, region);
      return parsed?.number ?? digitsOf(text, start, end);
    },
    mayMatchView(text: string): boolean {
      // Every number has seven digits; an international one a `+` or a `00` prefix, a national
      // one a match of its scanner's regex: find's own first steps, without the rest of its work.
      if (text.length < MIN_DIGITS || !hasDigit(text)) return false;
      return text.includes('+') || hasIddPrefix(text) || nationalTest.test(text);
    },
    mayMatchAscii: hasDigitRun,
  };
}

export const phoneDetector: Detector = createPhoneDetector(DEFAULT_PHONE_REGION);

function findInternational(text: string, found: DetectorMatch[]): void {
  for (let plus = text.indexOf('+'); plus !== -1; plus = text.indexOf('+', plus + 1)) {
    const next = text.charCodeAt(plus + 1);
    if (!(isDigit(next) || next === OPEN_PAREN) || isAsciiAlnum(text.charCodeAt(plus - 1))) continue;
    // `(+44) 20 …`: the country code in parentheses, closed after it.
    pushIfValid(text, plus, plus + 1, found, text.charCodeAt(plus - 1) === OPEN_PAREN);
  }
  for (let start = iddPrefixFrom(text, 0); start !== -1; start = iddPrefixFrom(text, start + 3)) {
    if (!isAsciiAlnum(text.charCodeAt(start - 1))) pushIfValid(text, start, start + 2, found);
  }
}

/**
 * The next `00` international call prefix at or after `from`, or -1: not inside a number (`1002`,
 * `1.005`), a country code's first digit next. Found natively (most texts hold no `00`).
 */
function iddPrefixFrom(text: string, from: number): number {
  for (let start = text.indexOf('00', from); start !== -1; start = text.indexOf('00', start + 1)) {
    const next = text.charCodeAt(start + 2);
    const before = text.charCodeAt(start - 1);
    if (next >= 0x31 && next <= 0x39 && !isDigit(before) && before !== 0x2e && before !== 0x2c) return start;
  }
  return -1;
}

function hasIddPrefix(text: string): boolean {
  return iddPrefixFrom(text, 0) !== -1;
}

/**
 * Validates the international candidate whose country code starts at `digitsFrom`. When the whole
 * run is not a number, it may be a number followed by another one (`+44 20 7946 0958 2024`): the
 * run is retried ending at each earlier digit group, longest first, never cutting a dashed or
 * dotted continuation.
 */
function pushIfValid(text: string, start: number, digitsFrom: number, found: DetectorMatch[], parenthesised = false): void {
  const groupEnds = internationalGroupEnds(text, digitsFrom, parenthesised);
  for (let i = groupEnds.length - 1; i >= 0 && i >= groupEnds.length - MAX_RETRIES - 1; i--) {
    const end = groupEnds[i]!;
    if (digitCount(text, digitsFrom, end) < MIN_DIGITS) return;
    if (isDigitAfterSeparator(text, end)) continue;
    const parsed = parsePhoneNumberFromString('+' + text.slice(digitsFrom, end));
    if (parsed?.isValid()) {
      found.push({ detector: 'phone', start, end });
      return;
    }
  }
}

/** Trailing digit groups tried when a whole international run is not a number. */
const MAX_RETRIES = 3;

/**
 * Ends of the digit groups (with spaces, `-`, `.`, `/` and one pair of parentheses between them)
 * that follow an international prefix, up to E.164's length; a group glued to a letter is not one.
 */
function internationalGroupEnds(text: string, from: number, parenthesised: boolean): number[] {
  const ends: number[] = [];
  let digits = 0;
  let separators = 0;
  let openParen = parenthesised;
  let i = from;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      // Past E.164's length: the digits so far may still end in a number, this group cannot.
      if (++digits > MAX_DIGITS) return ends;
      separators = 0;
      continue;
    }
    if (i > from && isDigit(text.charCodeAt(i - 1))) ends.push(i);
    if (code === OPEN_PAREN && !openParen) openParen = true;
    else if (code === CLOSE_PAREN && openParen) openParen = false;
    else if (!(code === 0x20 || code === 0x2d || code === 0x2e || code === 0x2f)) break;
    if (++separators > MAX_SEPARATOR_RUN) break;
  }
  if (i === text.length && isDigit(text.charCodeAt(i - 1))) ends.push(i);
  // Digits glued to a letter (`+12015550123abc`) are part of a token.
  if (ends.length > 0 && isAsciiAlnum(text.charCodeAt(ends[ends.length - 1]!))) ends.pop();
  return ends;
}

function findNational(text: string, pattern: RegExp, minSeparators: number, region: CountryCode, context: DetectionContext | undefined, found: DetectorMatch[]): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (isDigitBeforeSeparator(text, start) || isDigitAfterSeparator(text, end) || digitCount(text, start, end) < MIN_DIGITS) continue;
    const formatted = isFormatted(text, start, end, minSeparators);
    const keyed = context?.key !== undefined && isPhoneKey(context.key);
    if (!formatted && !keyed && !hasPhoneContextBefore(text, start)) continue;
    if (parsePhoneNumberFromString(match[0], region)?.isValid()) found.push({ detector: 'phone', start, end });
  }
}

/** Parentheses, or separators between the digit groups: a number written for people to read. */
function isFormatted(text: string, start: number, end: number, minSeparators: number): boolean {
  let separators = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === OPEN_PAREN) return true;
    if (!isDigit(code)) separators++;
  }
  return separators >= minSeparators;
}

function digitCount(text: string, start: number, end: number): number {
  let digits = 0;
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i))) digits++;
  return digits;
}

/** `2024-201-555-0123`: the candidate continues a longer dashed or dotted number. */
function isDigitBeforeSeparator(text: string, start: number): boolean {
  const before = text.charCodeAt(start - 1);
  return (before === 0x2d || before === 0x2e || before === 0x2f) && isDigit(text.charCodeAt(start - 2));
}

function isDigitAfterSeparator(text: string, end: number): boolean {
  const after = text.charCodeAt(end);
  return (after === 0x2d || after === 0x2e || after === 0x2f) && isDigit(text.charCodeAt(end + 1));
}

/**
 * The scanners may find one number twice (`+1 201-555-0123` holds `201-555-0123`): out[from..]
 * (this detector's matches, appended by both) is put in order, keeping the first, longest.
 */
function orderWithoutOverlaps(out: DetectorMatch[], from: number): void {
  const found = out.splice(from).sort((a, b) => a.start - b.start || b.end - a.end);
  let cursor = 0;
  for (const match of found) {
    if (match.start < cursor) continue;
    out.push(match);
    cursor = match.end;
  }
}

function parseCandidate(text: string, start: number, end: number, region: CountryCode): PhoneNumber | undefined {
  const candidate = text.slice(start, end);
  if (candidate.startsWith('00')) return parsePhoneNumberFromString('+' + candidate.slice(2));
  return parsePhoneNumberFromString(candidate, region);
}

/**
 * Every digit but the last two masked, separators kept; an international number keeps its `+`
 * (or `00`) and country code: `+1 ***-***-**71`, `(***) ***-**23`.
 */
function maskPhone(text: string, start: number, end: number, region: CountryCode): string {
  let keep = 0;
  const first = text.charCodeAt(start);
  if (first === PLUS || (first === 0x30 && text.charCodeAt(start + 1) === 0x30)) {
    keep = (first === PLUS ? 0 : 2) + (parseCandidate(text, start, end, region)?.countryCallingCode.length ?? 0);
  }
  const totalDigits = digitCount(text, start, end);
  let masked = '';
  let seen = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) {
      masked += text.charAt(i);
      continue;
    }
    seen++;
    masked += seen <= keep || seen > totalDigits - VISIBLE_DIGITS ? text.charAt(i) : '*';
  }
  return masked;
}

function digitsOf(text: string, start: number, end: number): string {
  let digits = '';
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i))) digits += text.charAt(i);
  return digits;
}

function isPhoneSeparator(code: number): boolean {
  return code === 0x20 || code === 0x2d || code === 0x2e || code === 0x2f || code === OPEN_PAREN || code === CLOSE_PAREN || code === PLUS;
}

/**
 * A necessary condition for every scanner: seven digits with at most three of ` -./()+` between
 * consecutive ones. Context (a phone word, a phone-like key) never creates digits, so it holds
 * whatever the context.
 */
function hasDigitRun(bytes: Uint8Array, start: number, end: number): boolean {
  let digits = 0;
  let separators = 0;
  for (let i = start; i < end; i++) {
    const code = bytes[i]!;
    if (isDigit(code)) {
      if (++digits >= MIN_DIGITS) return true;
      separators = 0;
    } else if (separators < 3 && isPhoneSeparator(code)) {
      separators++;
    } else {
      digits = 0;
      separators = 0;
    }
  }
  return false;
}
