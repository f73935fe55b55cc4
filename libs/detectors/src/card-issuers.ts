/**
 * Issuer identification ranges and the card lengths each brand issues. A digit string is a card
 * candidate only when its leading digits fall in one of these ranges *and* its length is one the
 * brand uses: together with Luhn that rejects about 97 % of random 13–19 digit numbers that Luhn
 * alone lets through (timestamps in milliseconds start with 1, ISBNs with 978/979, none is a brand).
 */
interface IssuerRange {
  readonly brand: string;
  /** The range compares the first `prefixDigits` digits as a number. */
  readonly prefixDigits: 1 | 2 | 3 | 4;
  readonly from: number;
  readonly to: number;
  readonly lengths: readonly number[];
}

const range = (min: number, max: number): number[] => Array.from({ length: max - min + 1 }, (_, i) => min + i);

export const ISSUER_RANGES: readonly IssuerRange[] = Object.freeze([
  { brand: 'visa', prefixDigits: 1, from: 4, to: 4, lengths: [13, 16, 19] },
  { brand: 'mastercard', prefixDigits: 2, from: 51, to: 55, lengths: [16] },
  { brand: 'mastercard', prefixDigits: 4, from: 2221, to: 2720, lengths: [16] },
  { brand: 'amex', prefixDigits: 2, from: 34, to: 34, lengths: [15] },
  { brand: 'amex', prefixDigits: 2, from: 37, to: 37, lengths: [15] },
  { brand: 'discover', prefixDigits: 4, from: 6011, to: 6011, lengths: range(16, 19) },
  { brand: 'discover', prefixDigits: 3, from: 644, to: 649, lengths: range(16, 19) },
  { brand: 'discover', prefixDigits: 2, from: 65, to: 65, lengths: range(16, 19) },
  { brand: 'diners', prefixDigits: 3, from: 300, to: 305, lengths: range(14, 19) },
  { brand: 'diners', prefixDigits: 2, from: 36, to: 36, lengths: range(14, 19) },
  { brand: 'diners', prefixDigits: 2, from: 38, to: 39, lengths: range(14, 19) },
  { brand: 'jcb', prefixDigits: 4, from: 3528, to: 3589, lengths: range(16, 19) },
  { brand: 'unionpay', prefixDigits: 2, from: 62, to: 62, lengths: range(16, 19) },
  { brand: 'maestro', prefixDigits: 2, from: 50, to: 50, lengths: range(13, 19) },
  // Maestro also issues 12-digit cards. 12-digit numbers are everywhere, so 12 is accepted only
  // for the BINs that issued them, not for the whole Maestro range.
  ...[5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].map((bin) => ({ brand: 'maestro', prefixDigits: 4 as const, from: bin, to: bin, lengths: [12] })),
  { brand: 'maestro', prefixDigits: 2, from: 56, to: 69, lengths: range(13, 19) },
  { brand: 'mir', prefixDigits: 4, from: 2200, to: 2204, lengths: range(16, 19) },
]);

export const MIN_CARD_DIGITS = 12;
export const MAX_CARD_DIGITS = 19;

/**
 * For every four-digit prefix, a bit mask of the card lengths some brand issues with it (bit n set:
 * n digits allowed). Built once from ISSUER_RANGES so the hot path is a single array read.
 */
const LENGTHS_BY_PREFIX = buildLengthTable();

function buildLengthTable(): Uint32Array {
  const table = new Uint32Array(10_000);
  for (let prefix = 0; prefix < 10_000; prefix++) {
    for (const issuer of ISSUER_RANGES) {
      const leading = Math.floor(prefix / 10 ** (4 - issuer.prefixDigits));
      if (leading < issuer.from || leading > issuer.to) continue;
      for (const length of issuer.lengths) table[prefix] = table[prefix]! | (1 << length);
    }
  }
  return table;
}

/** Leading digits some brand issues cards with (2 to 6), derived from the same table: issuerAccepts is false for any other. */
const LEADING_DIGITS = Array.from({ length: 10 }, (_, digit) => LENGTHS_BY_PREFIX.subarray(digit * 1000, digit * 1000 + 1000).some((lengths) => lengths !== 0));

/** Whether a card can start with the digit value `digit`. */
export function mayLeadCard(digit: number): boolean {
  return LEADING_DIGITS[digit] === true;
}

/** Whether some brand issues `length`-digit cards starting with `digits[0..4)` (digit values). */
export function issuerAccepts(digits: Uint8Array, length: number): boolean {
  if (length < MIN_CARD_DIGITS || length > MAX_CARD_DIGITS) return false;
  const prefix = digits[0]! * 1000 + digits[1]! * 100 + digits[2]! * 10 + digits[3]!;
  return ((LENGTHS_BY_PREFIX[prefix]! >>> length) & 1) === 1;
}
