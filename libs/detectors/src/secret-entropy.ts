import { isAsciiLower, isAsciiUpper, isDigit } from './char-class.js';

/**
 * Shannon entropy in bits per character of `text[start, end)`. Random tokens score high (base62 of
 * 16 characters about 3.7, of 40 about 4.9; hex of 32 about 3.8); words, identifiers, dates and
 * placeholders low. Counts ASCII in a reused table; anything else (rare in secrets) in a map.
 */
export function shannonEntropy(text: string, start: number, end: number): number {
  const length = end - start;
  if (length <= 0) return 0;
  let other: Map<number, number> | undefined;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) ASCII_COUNTS[code]!++;
    else (other ??= new Map()).set(code, (other.get(code) ?? 0) + 1);
  }
  let bits = 0;
  const add = (count: number) => {
    const p = count / length;
    bits -= p * Math.log2(p);
  };
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128) continue;
    const count = ASCII_COUNTS[code]!;
    if (count === 0) continue; // already added
    add(count);
    ASCII_COUNTS[code] = 0;
  }
  other?.forEach(add);
  return bits;
}

// Always all zero between calls: shannonEntropy clears every count it sets.
const ASCII_COUNTS = new Int32Array(128);

/** Which of lower-case letters, upper-case letters, digits and other characters occur. */
export interface CharClasses {
  readonly lower: boolean;
  readonly upper: boolean;
  readonly digit: boolean;
  readonly other: boolean;
  readonly count: number;
}

export function charClasses(text: string, start: number, end: number): CharClasses {
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isAsciiLower(code)) lower = true;
    else if (isAsciiUpper(code)) upper = true;
    else if (isDigit(code)) digit = true;
    else other = true;
  }
  return { lower, upper, digit, other, count: Number(lower) + Number(upper) + Number(digit) + Number(other) };
}

/**
 * Share of a value that words must cover to make it word-like. Calibrated (docs/detectors.md): at
 * 0.6, 1.0 % of random 16-character base62 tokens and 0.03 % of 40-character ones read as words,
 * and none of the generated identifiers (PascalCase, camelCase, snake_case with numbers, kebab
 * with versions) read as random; at 0.5, 6 % of random 16-character tokens were lost.
 */
const WORD_COVERAGE = 0.6;

/**
 * A word as identifiers spell them: `session`, `Access`, `token`, counted when it has four letters
 * or more and a vowel (random runs such as `Qfntv` or `Pdbxk` often have none).
 */
const WORD_RUN = /[A-Z]?[a-z]{3,}/g;
const VOWEL = /[aeiouyAEIOUY]/;

/**
 * Whether a value reads as made of words (`AccessConfigEnabledActive`, `refresh_active_24`,
 * `session-user-v12`) rather than drawn at random: words cover most of it, or every letter in it
 * belongs to a word. Random tokens have letters outside words (`URTHu7m5Ag…`, `a0006d17…`), and
 * words of four or more letters cover little of them. Entropy does not separate the two: a
 * camel-case identifier scores as high as a random token of its length.
 */
export function isWordLike(text: string, start: number, end: number): boolean {
  const value = text.slice(start, end);
  let covered = 0;
  for (const word of value.matchAll(WORD_RUN)) if (word[0].length >= 4 && VOWEL.test(word[0])) covered += word[0].length;
  let letters = 0;
  for (let i = start; i < end; i++) if (isAsciiLower(text.charCodeAt(i)) || isAsciiUpper(text.charCodeAt(i))) letters++;
  return covered >= WORD_COVERAGE * (end - start) || (letters > 0 && covered === letters);
}
