import { isAsciiLetter, isDigit } from './char-class.js';
import type { Detector, DetectorMatch } from './detector.types.js';

// RFC 5321 limits: longer candidates are not addresses.
const MAX_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

const DOT = 0x2e;
const AT = 0x40;
const HYPHEN = 0x2d;

/**
 * Finds addresses by anchoring on each '@' and scanning outwards in code,
 * instead of a regex whose local-part prefix would be retried from every
 * starting position (quadratic on long runs of word characters). Each
 * character is scanned a bounded number of times, so the cost is linear, and
 * text without '@' costs a single native `indexOf`.
 */
export const emailDetector: Detector = {
  id: 'email',
  find(text: string, out: DetectorMatch[]): void {
    let at = text.indexOf('@');
    while (at !== -1) {
      const match = emailAround(text, at);
      if (match !== undefined) out.push(match);
      at = text.indexOf('@', match === undefined ? at + 1 : match.end);
    }
  },
  partial(text: string, start: number, end: number): string {
    // Keep one character of the local part: enough for a human to tell
    // addresses apart in a response, too little to recover the address.
    const at = text.lastIndexOf('@', end - 1);
    return text.charAt(start) + '***' + text.slice(at, end);
  },
  // Case matters in neither the domain nor (in practice) the local part.
  canonical: (text, start, end) => text.slice(start, end).toLowerCase(),
  mayMatchAscii(bytes: Uint8Array, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (bytes[i] === AT) return true;
    return false;
  },
};

function emailAround(text: string, at: number): DetectorMatch | undefined {
  const localStart = localPartStart(text, at);
  if (localStart === -1) return undefined;
  const domainEnd = domainEndAfter(text, at);
  if (domainEnd === -1) return undefined;
  return { detector: 'email', start: localStart, end: domainEnd };
}

/**
 * Start of a valid local part ending just before `at`, or -1. The backward
 * scan stops at the previous '@' (not a local-part character), so across all
 * '@'s each character is scanned at most once.
 *
 * A dot-atom never holds "..", so the address starts after the last one; that
 * also keeps an ellipsis out of it ("see...jo@x.io" -> "jo@x.io").
 */
function localPartStart(text: string, at: number): number {
  let start = at;
  while (start > 0 && isLocalChar(text.charCodeAt(start - 1))) {
    if (text.charCodeAt(start - 1) === DOT && text.charCodeAt(start - 2) === DOT) break;
    start--;
  }
  // A leading dot is surrounding punctuation, not part of the address.
  if (text.charCodeAt(start) === DOT) start++;
  const length = at - start;
  if (length <= 0 || length > MAX_LOCAL_LENGTH || text.charCodeAt(at - 1) === DOT) return -1;
  return start;
}

/**
 * End of the longest valid domain after `at`, or -1. Labels are read until
 * one is invalid; the domain ends after the last label that can be a TLD, so
 * sentence punctuation ("mail jo@x.io.") is not swallowed.
 */
function domainEndAfter(text: string, at: number): number {
  const start = at + 1;
  let end = -1;
  let labels = 0;
  let i = start;
  for (;;) {
    const labelStart = i;
    while (i < text.length && isLabelChar(text.charCodeAt(i))) i++;
    if (!isValidLabel(text, labelStart, i) || i - start > MAX_DOMAIN_LENGTH) break;
    labels++;
    if (labels >= 2 && isTld(text, labelStart, i)) end = i;
    if (text.charCodeAt(i) !== DOT) break;
    i++;
  }
  return end;
}

function isValidLabel(text: string, start: number, end: number): boolean {
  const length = end - start;
  return length > 0 && length <= MAX_LABEL_LENGTH
    && text.charCodeAt(start) !== HYPHEN && text.charCodeAt(end - 1) !== HYPHEN;
}

function isTld(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  for (let i = start; i < end; i++) {
    if (!isAsciiLetter(text.charCodeAt(i))) return false;
  }
  return true;
}

function isLocalChar(code: number): boolean {
  // Letters, digits and ._%+-
  return isAsciiLetter(code) || isDigit(code)
    || code === DOT || code === 0x5f || code === 0x25 || code === 0x2b || code === HYPHEN;
}

function isLabelChar(code: number): boolean {
  return isAsciiLetter(code) || isDigit(code) || code === HYPHEN;
}
