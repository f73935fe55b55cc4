import { describe, expect, it } from 'vitest';
import type { DetectorMatch } from './detector.types.js';
import { IBAN_LENGTHS } from './iban-countries.js';
import { ibanDetector } from './iban.detector.js';

const found = (text: string): string[] => {
  const out: DetectorMatch[] = [];
  ibanDetector.find(text, out);
  return out.map((match) => text.slice(match.start, match.end));
};

/** ISO 7064 MOD 97-10 computed independently of the detector, with BigInt. */
function checkDigits(country: string, bban: string): string {
  const numeric = (bban + country + '00').toUpperCase().replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  return String(98n - (BigInt(numeric) % 97n)).padStart(2, '0');
}

function iban(country: string, length: number, seed: number): string {
  let bban = '';
  for (let i = 0; bban.length < length - 4; i++) bban += String((seed * 7 + i * 13) % 10);
  return country + checkDigits(country, bban) + bban;
}

const grouped = (compact: string, separator = ' ') => compact.match(/.{1,4}/g)!.join(separator);

// Examples published in the SWIFT IBAN registry.
const REGISTRY_EXAMPLES = [
  'AD1200012030200359100100', 'AE070331234567890123456', 'AL47212110090000000235698741', 'AT611904300234573201',
  'AZ21NABZ00000000137010001944', 'BA391290079401028494', 'BE68539007547034', 'BG80BNBG96611020345678',
  'BH67BMAG00001299123456', 'BR1800360305000010009795493C1', 'BY13NBRB3600900000002Z00AB00', 'CH9300762011623852957',
  'CR05015202001026284066', 'CY17002001280000001200527600', 'CZ6508000000192000145399', 'DE89370400440532013000',
  'DK5000400440116243', 'DO28BAGR00000001212453611324', 'EE382200221020145685', 'EG380019000500000000263180002',
  'ES9121000418450200051332', 'FI2112345600000785', 'FO6264600001631634', 'FR1420041010050500013M02606',
  'GB29NWBK60161331926819', 'GE29NB0000000101904917', 'GI75NWBK000000007099453', 'GL8964710001000206',
  'GR1601101250000000012300695', 'GT82TRAJ01020000001210029690', 'HR1210010051863000160', 'HU42117730161111101800000000',
  'IE29AIBK93115212345678', 'IL620108000000099999999', 'IQ98NBIQ850123456789012', 'IS140159260076545510730339',
  'IT60X0542811101000000123456', 'JO94CBJO0010000000000131000302', 'KW81CBKU0000000000001234560101', 'KZ86125KZT5004100100',
  'LB62099900000001001901229114', 'LC55HEMM000100010012001200023015', 'LI21088100002324013AA', 'LT121000011101001000',
  'LU280019400644750000', 'LV80BANK0000435195001', 'MC5811222000010123456789030', 'MD24AG000225100013104168',
  'ME25505000012345678951', 'MK07250120000058984', 'MR1300020001010000123456753', 'MT84MALT011000012345MTLCAST001S',
  'MU17BOMM0101101030300200000MUR', 'NL91ABNA0417164300', 'NO9386011117947', 'PK36SCBL0000001123456702',
  'PL61109010140000071219812874', 'PS92PALS000000000400123456702', 'PT50000201231234567890154', 'QA58DOHB00001234567890ABCDEFG',
  'RO49AAAA1B31007593840000', 'RS35260005601001611379', 'SA0380000000608010167519', 'SC18SSCB11010000000000001497USD',
  'SE4550000000058398257466', 'SI56263300012039086', 'SK3112000000198742637541', 'SM86U0322509800000000270100',
  'ST23000100010051845310146', 'SV62CENR00000000000000700025', 'TL380080012345678910157', 'TN5910006035183598478831',
  'TR330006100519786457841326', 'UA213223130000026007233566001', 'VA59001123000012345678', 'VG96VPVG0000012345678901',
  'XK051212012345678906', 'LY83002048000020100120361', 'SD2129010501234001', 'BI4210000100010000332045181',
];

describe('iban detector', () => {
  it.each(REGISTRY_EXAMPLES)('finds the registry example %s compact, in print groups and in lower case', (example) => {
    expect(found(`IBAN ${example}.`)).toEqual([example]);
    expect(found(`IBAN: ${grouped(example)} ok`)).toEqual([grouped(example)]);
    expect(found(example.toLowerCase())).toEqual([example.toLowerCase()]);
  });

  it.each(Object.entries(IBAN_LENGTHS))('finds an IBAN of %s with its length %i', (country, length) => {
    const value = iban(country, length, length);
    expect(value).toHaveLength(length);
    expect(found(`pay to ${value}`)).toEqual([value]);
    expect(found(value.slice(0, -1))).toEqual([]); // one character short
    expect(found(value + '7')).toEqual([]); // glued to one more digit
  });

  it.each([
    'DE89-3704-0044-0532-0130-00',
    'DE89.3704.0044.0532.0130.00',
    'DE89 3704-0044.0532/0130_00',
    'DE89  3704  0044  0532  0130  00',
    'DE89 - 3704 - 0044 - 0532 - 0130 - 00',
    'DE89\n3704\n0044\n0532\n0130\n00',
    'DE89 37040044 0532013000',
    'GB82 WEST 1234 5698 7654 32',
    'gb82 west 1234 5698 7654 32',
    'Gb82WeSt12345698765432',
  ])('finds %j', (text) => {
    expect(found(`iban ${text} end`)).toEqual([text]);
  });

  it('finds an IBAN glued to letters before it', () => {
    expect(found('IBANDE89370400440532013000')).toEqual(['DE89370400440532013000']);
    expect(found('acct:DE89370400440532013000;')).toEqual(['DE89370400440532013000']);
  });

  it.each([
    'DE89370400440532013001', // MOD-97 fails
    'DE88370400440532013000',
    'DE8937040044053201300', // 21 characters
    'DE893704004405320130000', // 23 characters
    'XX89370400440532013000', // no such country
    'US89370400440532013000', // no IBANs in the US
    'DE00370400440532013000', // check digits 00, 01 and 99 are never issued
    '1DE89370400440532013000', // glued to a digit before
    'DE89370400440532013000X', // glued to a letter after
    'AT12 is due on 2024 01 01 or so it', // words never lend their letters to a BBAN
    'GB82 WE ST12 3456 9876 5432', // neither print groups nor digit groups
    'DE89 3704 0044 0532 0130 0012', // the last group runs on past the length
    'DE89......3704004405320130 00',
    'md5 3f2a9c41 sha256 ab12cd34ef56',
    'ORD-2024-000123456789',
    'AB12CD34EF56GH78IJ90KL12',
  ])('leaves %j alone', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('keeps the country code and the last four in the partial form, separators in place', () => {
    const partial = (text: string) => ibanDetector.partial(text, 0, text.length);
    expect(partial('DE89 3704 0044 0532 0130 00')).toBe('DE** **** **** **** **30 00');
    expect(partial('DE89370400440532013000')).toBe('DE****************3000');
    expect(partial('GB82-WEST-1234-5698-7654-32')).toBe('GB**-****-****-****-**54-32');
  });

  it('gives one canonical form for every spelling: upper case, no separators', () => {
    const spellings = ['DE89 3704 0044 0532 0130 00', 'de89370400440532013000', 'DE89-3704-0044-0532-0130-00', 'De89.3704.0044.0532.0130.00'];
    expect(new Set(spellings.map((text) => ibanDetector.canonical(text, 0, text.length)))).toEqual(new Set(['DE89370400440532013000']));
  });

  it('says a text may match when it has two letters then two digits, and only then', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    for (const text of ['DE89370400440532013000', 'x gb82 west']) expect(ibanDetector.mayMatchAscii(bytes(text), 0, text.length)).toBe(true);
    for (const text of ['2026-12-04', 'D89E', 'no iban']) expect(ibanDetector.mayMatchAscii(bytes(text), 0, text.length)).toBe(false);
  });

  it('stays linear on long alphanumeric runs', () => {
    const texts = ['DE89'.repeat(100_000), 'DE89 '.repeat(100_000), 'ab12'.repeat(100_000)];
    const started = performance.now();
    for (const text of texts) found(text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
