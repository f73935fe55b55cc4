/**
 * SASLprep (RFC 4013) the way PostgreSQL's pg_saslprep applies it to SCRAM passwords, so that the
 * client proof we compute matches the verifier the server stored:
 *  - a pure ASCII password is used as is (PostgreSQL skips SASLprep for ASCII, control characters included);
 *  - otherwise non-ASCII spaces become ' ', "commonly mapped to nothing" characters are removed and
 *    the result is NFKC-normalised;
 *  - if the mapped password is empty, holds a prohibited or unassigned code point, or fails the
 *    bidirectional rule, PostgreSQL falls back to the raw password, and so do we.
 * PostgreSQL runs the prohibited and bidi checks on the mapped password before normalisation; we
 * follow it. Where we cannot match it exactly: "unassigned" is judged by this runtime's Unicode
 * tables (\p{Cn}), not Unicode 3.2's, NFKC is this runtime's, and Bidi class L (not a regexp
 * property) is approximated as letters and spacing marks outside the R/AL table. These differ only
 * for passwords mixing characters added after Unicode 3.2 with characters that mapping or NFKC
 * change, or mixing right-to-left with unusual left-to-right characters.
 */
export function saslprep(password: string): string {
  if (/^[\0-\x7f]*$/.test(password)) return password;
  const mapped: number[] = [];
  for (const char of password) {
    const code = char.codePointAt(0)!;
    if (inRanges(code, NON_ASCII_SPACE)) mapped.push(0x20);
    else if (!inRanges(code, MAPPED_TO_NOTHING)) mapped.push(code);
  }
  if (mapped.length === 0) return password;
  for (const code of mapped) {
    if (inRanges(code, PROHIBITED) || isNonCharacter(code) || UNASSIGNED.test(String.fromCodePoint(code))) return password;
  }
  if (mapped.some(isRandAL)) {
    if (mapped.some(isL) || !isRandAL(mapped[0]!) || !isRandAL(mapped[mapped.length - 1]!)) return password;
  }
  return String.fromCodePoint(...mapped).normalize('NFKC');
}

type Ranges = readonly (readonly [number, number])[];

function inRanges(code: number, ranges: Ranges): boolean {
  for (const [from, to] of ranges) if (code >= from && code <= to) return true;
  return false;
}

/** RFC 3454 C.1.2; U+200B is also in B.1, and PostgreSQL maps it to a space. */
const NON_ASCII_SPACE: Ranges = [[0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];

/** RFC 3454 B.1. */
const MAPPED_TO_NOTHING: Ranges = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

/** RFC 3454 C.2.1, C.2.2, C.3, C.5, C.6, C.7, C.8, C.9 (C.4 is `isNonCharacter`; C.1.2 is mapped away before the check). */
const PROHIBITED: Ranges = [
  [0x0000, 0x001f], [0x007f, 0x009f], // C.2.1, C.2.2
  [0x0340, 0x0341], // C.8
  [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200f], [0x2028, 0x202e], [0x2060, 0x2063], [0x206a, 0x206f], // C.2.2, C.8
  [0x2ff0, 0x2ffb], // C.7
  [0xd800, 0xdfff], // C.5
  [0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd], // C.3
  [0xfeff, 0xfeff], [0xfff9, 0xfffd], [0x1d173, 0x1d17a], // C.2.2, C.6
  [0xe0001, 0xe0001], [0xe0020, 0xe007f], // C.9
];

function isNonCharacter(code: number): boolean {
  return (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
}

const UNASSIGNED = /^\p{Cn}$/u;

/** RFC 3454 D.1: characters of bidirectional class R or AL in Unicode 3.2. */
const RAND_AL: Ranges = [
  [0x05be, 0x05be], [0x05c0, 0x05c0], [0x05c3, 0x05c3], [0x05d0, 0x05ea], [0x05f0, 0x05f4], [0x061b, 0x061b], [0x061f, 0x061f],
  [0x0621, 0x063a], [0x0640, 0x064a], [0x066d, 0x066f], [0x0671, 0x06d5], [0x06dd, 0x06dd], [0x06e5, 0x06e6], [0x06fa, 0x06fe],
  [0x0700, 0x070d], [0x0710, 0x0710], [0x0712, 0x072c], [0x0780, 0x07a5], [0x07b1, 0x07b1], [0x200f, 0x200f], [0xfb1d, 0xfb1d],
  [0xfb1f, 0xfb28], [0xfb2a, 0xfb36], [0xfb38, 0xfb3c], [0xfb3e, 0xfb3e], [0xfb40, 0xfb41], [0xfb43, 0xfb44], [0xfb46, 0xfbb1],
  [0xfbd3, 0xfd3d], [0xfd50, 0xfd8f], [0xfd92, 0xfdc7], [0xfdf0, 0xfdfc], [0xfe70, 0xfe74], [0xfe76, 0xfefc],
];

function isRandAL(code: number): boolean {
  return inRanges(code, RAND_AL);
}

const LETTER_OR_SPACING_MARK = /^[\p{L}\p{Mc}]$/u;

/** Approximates RFC 3454 D.2 (bidirectional class L). */
function isL(code: number): boolean {
  return !isRandAL(code) && LETTER_OR_SPACING_MARK.test(String.fromCodePoint(code));
}
