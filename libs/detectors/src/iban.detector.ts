import { hasDigit, isAlnumAt, isAsciiAlnum, isAsciiLetter, isDigit, isGroupSeparator, MAX_GROUP_SEPARATORS } from './char-class.js';
import type { Detector, DetectorMatch } from './detector.types.js';
import { ibanLengthFor, MIN_IBAN_LENGTH } from './iban-countries.js';

const VISIBLE_CHARS = 4;
const PRINT_GROUP = 4;

/**
 * A country code's two letters and the two check digits. The IBAN's length, grouping and MOD-97
 * are checked in code from there; a letter pair followed by two digits is rare in prose and most
 * pairs are not IBAN countries, so few candidates get that far.
 */
const CANDIDATE = /[A-Za-z]{2}\d{2}/g;

/**
 * IBANs: an IBAN country's code, two check digits (02–98), the BBAN in letters and digits to that
 * country's length, and ISO 7064 MOD-97-10 == 1. Any case; compact, or grouped with the separators
 * cards use. Grouped forms are either the print format (groups of four, the last shorter) or
 * digit-only groups after the first (`DE89 37040044 0532013000`); words in a sentence are neither,
 * so "AT12 is due on …" never lends its letters to a BBAN. Letters may be glued before the country
 * code (`IBANDE89…`); an alphanumeric glued after the last character means a longer token.
 */
export const ibanDetector: Detector = {
  id: 'iban',
  find(text: string, out: DetectorMatch[]): void {
    CANDIDATE.lastIndex = 0;
    while (CANDIDATE.test(text)) {
      const start = CANDIDATE.lastIndex - 4;
      const length = ibanLengthFor(text.charCodeAt(start), text.charCodeAt(start + 1));
      if (length === 0 || isDigit(text.charCodeAt(start - 1))) continue;
      const end = ibanEnd(text, start, length);
      if (end === -1) continue;
      out.push({ detector: 'iban', start, end });
      CANDIDATE.lastIndex = end;
    }
  },
  partial(text: string, start: number, end: number): string {
    // The country code, then every character but the last four masked, separators kept:
    // `DE** **** **** **** **30 00`.
    const visibleFrom = lastAlnumsStart(text, start, end, VISIBLE_CHARS);
    let masked = text.slice(start, start + 2);
    for (let i = start + 2; i < visibleFrom; i++) {
      masked += isAsciiAlnum(text.charCodeAt(i)) ? '*' : text.charAt(i);
    }
    return masked + text.slice(visibleFrom, end);
  },
  canonical(text: string, start: number, end: number): string {
    let compact = '';
    for (let i = start; i < end; i++) if (isAsciiAlnum(text.charCodeAt(i))) compact += text.charAt(i);
    return compact.toUpperCase();
  },
  // Cheap conditions only: on a short text, CANDIDATE itself is faster than a scan in code.
  mayMatchView: (text) => text.length >= MIN_IBAN_LENGTH && hasDigit(text),
  mayMatchAscii(bytes: Uint8Array, start: number, end: number): boolean {
    for (let i = start; i + 3 < end; i++) {
      if (isAsciiLetter(bytes[i]!) && isAsciiLetter(bytes[i + 1]!) && isDigit(bytes[i + 2]!) && isDigit(bytes[i + 3]!)) return true;
    }
    return false;
  },
};

/** End of the IBAN of `length` characters starting at `start`, or -1. */
function ibanEnd(text: string, start: number, length: number): number {
  const check = (text.charCodeAt(start + 2) - 0x30) * 10 + text.charCodeAt(start + 3) - 0x30;
  if (check < 2 || check > 98) return -1;
  let count = 4;
  let i = start + 4;
  let separators = 0;
  let groupIndex = 0;
  let groupLength = 4;
  let groupHasLetter = false;
  let printFormat = true; // every finished group has four characters
  let digitGroups = true; // every group after the first is digits only
  while (count < length) {
    const code = text.charCodeAt(i);
    if (isAsciiAlnum(code)) {
      if (separators > 0) {
        printFormat &&= groupLength === PRINT_GROUP;
        digitGroups &&= groupIndex === 0 || !groupHasLetter;
        groupIndex++;
        groupLength = 0;
        groupHasLetter = false;
        separators = 0;
      }
      groupLength++;
      groupHasLetter ||= !isDigit(code);
      count++;
    } else if (isGroupSeparator(code) && separators < MAX_GROUP_SEPARATORS) {
      separators++;
    } else {
      return -1;
    }
    i++;
  }
  if (isAlnumAt(text, i)) return -1;
  const grouped = groupIndex === 0 || (printFormat && groupLength <= PRINT_GROUP) || (digitGroups && !groupHasLetter);
  return grouped && mod97(text, start, i) === 1 ? i : -1;
}

/** ISO 7064 MOD 97-10 over the IBAN rearranged (BBAN first, then country code and check digits). */
function mod97(text: string, start: number, end: number): number {
  let remainder = 0;
  for (let i = start + 4; i < end; i++) remainder = mod97Step(remainder, text.charCodeAt(i));
  for (let i = start; i < start + 4; i++) remainder = mod97Step(remainder, text.charCodeAt(i));
  return remainder;
}

function mod97Step(remainder: number, code: number): number {
  if (isDigit(code)) return (remainder * 10 + code - 0x30) % 97;
  if (!isAsciiLetter(code)) return remainder; // a separator
  return (remainder * 100 + (code | 0x20) - 0x61 + 10) % 97;
}

function lastAlnumsStart(text: string, start: number, end: number, count: number): number {
  let i = end;
  for (let seen = 0; seen < count && i > start; ) {
    i--;
    if (isAsciiAlnum(text.charCodeAt(i))) seen++;
  }
  return i;
}
