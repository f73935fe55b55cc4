/**
 * IBAN length per country code, from the SWIFT IBAN registry (ISO 13616; release 100, 2025: 89
 * countries). The territories that issue IBANs under their own ISO code with the length of the
 * country whose scheme they use follow at the end.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
  // Territories: Åland (Finland); French overseas departments and collectivities; Crown dependencies.
  AX: 18,
  BL: 27, GF: 27, GP: 27, MF: 27, MQ: 27, NC: 27, PF: 27, PM: 27, RE: 27, TF: 27, WF: 27, YT: 27,
  GG: 22, IM: 22, JE: 22,
});

/** The shortest IBAN of any country (Norway's, 15). */
export const MIN_IBAN_LENGTH = Math.min(...Object.values(IBAN_LENGTHS));

/** Lengths indexed by (first letter − 'A') × 26 + (second letter − 'A'); 0 for no IBAN country. */
const LENGTH_BY_CODE = buildCodeTable();

function buildCodeTable(): Uint8Array {
  const table = new Uint8Array(26 * 26);
  for (const [code, length] of Object.entries(IBAN_LENGTHS)) {
    table[(code.charCodeAt(0) - 0x41) * 26 + code.charCodeAt(1) - 0x41] = length;
  }
  return table;
}

/** IBAN length for the country code made of the ASCII letters `first`, `second` (any case), or 0. */
export function ibanLengthFor(first: number, second: number): number {
  const a = (first | 0x20) - 0x61;
  const b = (second | 0x20) - 0x61;
  if (a < 0 || a > 25 || b < 0 || b > 25) return 0;
  return LENGTH_BY_CODE[a * 26 + b]!;
}
