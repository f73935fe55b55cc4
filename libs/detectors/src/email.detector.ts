import { domainToASCII } from 'node:url';
import { isAsciiAlnum, isAsciiLetter, isDigit } from './char-class.js';
import type { Detector, DetectorMatch } from './detector.types.js';

// RFC 5321 limits: longer candidates are not addresses.
const MAX_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

const DOT = 0x2e;
const AT = 0x40;
const HYPHEN = 0x2d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const ASCII_MAX = 0x7f;

// Letters, marks and digits of any script: Unicode local parts and IDN labels. Non-ASCII only.
const UNICODE_WORD = /^[\p{L}\p{M}\p{Nd}]$/u;
const UNICODE_LETTER = /^[\p{L}\p{M}]$/u;

/**
 * "TLDs" that are file extensions and not delegated top-level domains: `icon@2x.png`,
 * `sprite@3x.webp`, `bundle@1.2.js` are asset names. Extensions that are real TLDs (.zip, .mov,
 * .py, .sh, .rs, .md) are not listed, so an address there is still found.
 */
const FILE_EXTENSIONS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'bmp', 'ico', 'tif', 'tiff', 'heic', 'heif',
  'css', 'scss', 'less', 'js', 'mjs', 'cjs', 'jsx', 'tsx', 'json', 'map', 'wasm', 'html', 'htm', 'xml',
  'txt', 'csv', 'log', 'yml', 'yaml', 'toml', 'ini', 'cfg', 'conf', 'lock', 'pdf', 'doc', 'docx',
  'xls', 'xlsx', 'ppt', 'pptx', 'woff', 'woff2', 'ttf', 'otf', 'eot', 'gz', 'tgz', 'tar', 'bz2', 'xz',
  'exe', 'dll', 'dylib', 'jar', 'class', 'java', 'kt', 'php', 'rb', 'cpp', 'hpp',
  'wav', 'ogg', 'flac', 'webm', 'mkv', 'avi', 'wmv',
]);

/**
 * E-mail addresses: a dot-atom or quoted local part, `@`, and a domain of at least two labels whose
 * last label can be a top-level domain (two or more letters of any script, or `xn--` punycode), or
 * an address literal (`[192.0.2.1]`). Local parts and labels may use letters, marks and digits of
 * any script. A domain without a dot (`user@localhost`) is not matched: in free text that is far
 * more often `@mention`-like than an address.
 *
 * Anchored on each '@' and scanned outwards in code, instead of a regex whose local-part prefix
 * would be retried from every starting position (quadratic on long runs of word characters). Each
 * character is scanned a bounded number of times, and text without '@' costs one native `indexOf`.
 */
export const emailDetector: Detector = {
  id: 'email',
  find(text: string, out: DetectorMatch[]): void {
    let floor = 0; // matches must not overlap the previous one
    let at = text.indexOf('@');
    while (at !== -1) {
      const start = localPartStart(text, at, floor);
      const end = start === -1 ? -1 : domainEndAfter(text, at);
      if (end !== -1) {
        out.push({ detector: 'email', start, end });
        floor = end;
      }
      at = text.indexOf('@', end === -1 ? at + 1 : end);
    }
  },
  partial(text: string, start: number, end: number): string {
    // One character of the local part (inside the quotes, if quoted) and the domain: enough for a
    // human to tell addresses apart in a response, too little to recover the address.
    const at = text.lastIndexOf('@', end - 1);
    const first = text.charCodeAt(start) === QUOTE ? start + 1 : start;
    const firstCodePoint = String.fromCodePoint(text.codePointAt(first)!);
    return firstCodePoint + '***' + text.slice(at, end);
  },
  canonical(text: string, start: number, end: number): string {
    // Case matters in neither the domain nor (in practice) the local part; an IDN domain and its
    // punycode spelling are one domain.
    const at = text.lastIndexOf('@', end - 1);
    const domain = text.slice(at + 1, end).toLowerCase();
    const ascii = domain.charCodeAt(0) === OPEN_BRACKET ? domain : domainToASCII(domain);
    return text.slice(start, at).toLowerCase() + '@' + (ascii === '' ? domain : ascii);
  },
  // Every match holds its '@' (find is anchored on them).
  mayMatchView: (text) => text.includes('@'),
  mayMatchAscii(bytes: Uint8Array, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (bytes[i] === AT) return true;
    return false;
  },
};

/** Start of a valid local part ending just before `at` and not before `floor`, or -1. */
function localPartStart(text: string, at: number, floor: number): number {
  if (text.charCodeAt(at - 1) === QUOTE) return quotedLocalPartStart(text, at, floor);
  return dotAtomStart(text, at, floor);
}

/**
 * The backward scan stops at anything that is not a local-part character (the previous '@'
 * included), so across all '@'s each character is scanned a bounded number of times.
 *
 * A dot-atom never holds "..", so the address starts after the last one; that also keeps an
 * ellipsis out of it ("see...jo@x.io" -> "jo@x.io"). Leading dots and apostrophes are
 * punctuation around the address ("'jo@x.io'").
 */
function dotAtomStart(text: string, at: number, floor: number): number {
  let start = at;
  while (start > floor) {
    const width = localCharWidthBefore(text, start);
    if (width === 0) break;
    if (text.charCodeAt(start - 1) === DOT && text.charCodeAt(start - 2) === DOT) break;
    start -= width;
    if (at - start > MAX_LOCAL_LENGTH) return -1;
  }
  while (start < at && (text.charCodeAt(start) === DOT || text.charCodeAt(start) === APOSTROPHE)) start++;
  if (start === at || text.charCodeAt(at - 1) === DOT) return -1;
  return start;
}

/**
 * `"john doe"@example.com`, `"a@b"@example.com`: from the closing quote back to the opening one,
 * skipping backslash-escaped quotes; on one line and within the local-part limit.
 */
function quotedLocalPartStart(text: string, at: number, floor: number): number {
  const lowest = Math.max(floor, at - 1 - MAX_LOCAL_LENGTH);
  for (let i = at - 2; i >= lowest; i--) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || code === 0x0d) return -1;
    if (code !== QUOTE) continue;
    let backslashes = 0;
    while (i - 1 - backslashes >= lowest && text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 1) continue;
    return at - i > 2 ? i : -1; // `""@x` is not an address
  }
  return -1;
}

/** UTF-16 width of the local-part character ending at `index` (0: not one). */
function localCharWidthBefore(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  if (code <= ASCII_MAX) return isAsciiLocalChar(code) ? 1 : 0;
  const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff && index >= 2;
  const width = isLowSurrogate ? 2 : 1;
  return UNICODE_WORD.test(text.slice(index - width, index)) ? width : 0;
}

function isAsciiLocalChar(code: number): boolean {
  // Letters, digits and ._%+-' (the rest of RFC 5322 atext, such as = / ? { |, joins an address
  // to the text around it far more often than it belongs to one).
  return isAsciiAlnum(code)
    || code === DOT || code === 0x5f || code === 0x25 || code === 0x2b || code === HYPHEN || code === APOSTROPHE;
}

/**
 * End of the longest valid domain after `at`, or -1. Labels are read until one is invalid; the
 * domain ends after the last label that can be a TLD, so sentence punctuation ("mail jo@x.io.")
 * is not swallowed.
 */
function domainEndAfter(text: string, at: number): number {
  const start = at + 1;
  if (text.charCodeAt(start) === OPEN_BRACKET) return addressLiteralEnd(text, start);
  let end = -1;
  let labels = 0;
  let i = start;
  let lastLabelStart = start;
  for (;;) {
    const labelStart = i;
    i = labelEnd(text, i);
    if (!isValidLabel(text, labelStart, i) || i - start > MAX_DOMAIN_LENGTH) break;
    labels++;
    if (labels >= 2 && isTld(text, labelStart, i)) {
      end = i;
      lastLabelStart = labelStart;
    }
    if (text.charCodeAt(i) !== DOT) break;
    i++;
  }
  if (end === -1 || isAssetName(text, lastLabelStart, end)) return -1;
  return end;
}

function labelEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code <= ASCII_MAX) {
      if (!isAsciiAlnum(code) && code !== HYPHEN) break;
      i++;
      continue;
    }
    const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    if (!UNICODE_WORD.test(text.slice(i, i + width))) break;
    i += width;
  }
  return i;
}

function isValidLabel(text: string, start: number, end: number): boolean {
  const length = end - start;
  return length > 0 && length <= MAX_LABEL_LENGTH
    && text.charCodeAt(start) !== HYPHEN && text.charCodeAt(end - 1) !== HYPHEN;
}

/** Two or more letters of any script, or a punycode label (`xn--p1ai`). */
function isTld(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  if (isPunycodeLabel(text, start, end)) return true;
  for (let i = start; i < end; ) {
    const code = text.charCodeAt(i);
    if (code <= ASCII_MAX) {
      if (!isAsciiLetter(code)) return false;
      i++;
      continue;
    }
    const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    if (!UNICODE_LETTER.test(text.slice(i, i + width))) return false;
    i += width;
  }
  return true;
}

function isPunycodeLabel(text: string, start: number, end: number): boolean {
  return end - start > 4 && (text.charCodeAt(start) | 0x20) === 0x78 && (text.charCodeAt(start + 1) | 0x20) === 0x6e
    && text.charCodeAt(start + 2) === HYPHEN && text.charCodeAt(start + 3) === HYPHEN;
}

/**
 * `icon@2x.png`: the "TLD" is a file extension that no registry delegates. Such a name cannot be
 * a deliverable address, so it is left alone wherever it appears.
 */
function isAssetName(text: string, tldStart: number, end: number): boolean {
  return end - tldStart <= 5 && FILE_EXTENSIONS.has(text.slice(tldStart, end).toLowerCase());
}

/** `[192.0.2.1]` or `[IPv6:2001:db8::1]`: the end after `]`, or -1. */
function addressLiteralEnd(text: string, open: number): number {
  const close = text.indexOf(']', open + 1);
  if (close === -1 || close - open > 46) return -1;
  let dots = 0;
  let colons = 0;
  for (let i = open + 1; i < close; i++) {
    const code = text.charCodeAt(i);
    if (code === DOT) dots++;
    else if (code === 0x3a) colons++;
    else if (!isAsciiAlnum(code)) return -1;
  }
  const ipv4 = dots === 3 && colons === 0 && isDigit(text.charCodeAt(open + 1));
  const ipv6 = colons >= 2 && text.slice(open + 1, open + 6).toLowerCase() === 'ipv6:';
  return ipv4 || ipv6 ? close + 1 : -1;
}
