import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import type { DetectionContext, Detector, DetectorMatch } from './detector.types.js';
import { createPhoneDetector, phoneDetector } from './phone.detector.js';

const finder = (detector: Detector) => (text: string, context?: DetectionContext): string[] => {
  const out: DetectorMatch[] = [];
  detector.find(text, out, context);
  return out.map((match) => text.slice(match.start, match.end));
};
const found = finder(phoneDetector);

// libphonenumber's own example mobile number for every region, written as people write them.
const international = Object.entries(examples).map(([region, national]) => {
  const parsed = parsePhoneNumberFromString(national, region as CountryCode)!;
  return [region, parsed.formatInternational(), parsed.number as string] as const;
});

describe('phone detector', () => {
  it.each(international)('finds the %s example in international form: %s, E.164 and with 00', (_region, spaced, e164) => {
    expect(found(`call ${spaced} now`)).toEqual([spaced]);
    expect(found(`call ${e164} now`)).toEqual([e164]);
    const idd = '00' + e164.slice(1);
    expect(found(`call ${idd} now`)).toEqual([idd]);
  });

  it.each([
    '+1 (201) 555-0123', '+1-201-555-0123', '+1.201.555.0123', '+12015550123', '+44 20 7946 0958', '+44 (0)20 7946 0958',
    '+49 (0)30 1234567', '+49 30 12345678', '+33 6 12 34 56 78', '+61 412 345 678', '+86 138 0013 8000', '+91 98765 43210',
    '+7 912 345-67-89', '+81 90-1234-5678', '+41 44 668 18 00', '+353 1 234 5678', '+(44) 20 7946 0958', '0044 20 7946 0958',
  ])('finds the international number %j', (number) => {
    expect(found(`tel ${number}; thanks`)).toEqual([number]);
  });

  it.each([
    '(201) 555-0123', '(201)555-0123', '(201) 555 0123', '201-555-0123', '201.555.0123', '201 555 0123',
    '1-201-555-0123', '1 (201) 555-0123', '1.800.275.2273', '(650) 253-0000',
  ])('finds the US national form %j without any context', (number) => {
    expect(found(`reach us at ${number}.`)).toEqual([number]);
  });

  it.each([
    ['phone: 2015550123', '2015550123'],
    ['Tel. 2015550123', '2015550123'],
    ['mobile 12015550123', '12015550123'],
    ['Call me at 2015550123', '2015550123'],
    ['WhatsApp 2015550123', '2015550123'],
    ['Telefon: 2015550123', '2015550123'],
    ['teléfono 2015550123', '2015550123'],
    ['contact — 201555-0123', '201555-0123'],
    ['电话 2015550123', '2015550123'],
  ])('finds a bare national number after a phone word: %j', (text, number) => {
    expect(found(text)).toEqual([number]);
  });

  it('finds a bare national number under a phone-like key', () => {
    for (const key of ['phone', 'mobileNumber', 'tel', 'msisdn', 'contact_phone', 'FAX', 'cell_phone']) {
      expect(found('2015550123', { key })).toEqual(['2015550123']);
    }
    expect(found('2015550123', { key: 'order_id' })).toEqual([]);
    expect(found('2015550123', { key: 'hotel' })).toEqual([]);
  });

  it.each([
    // bare digits without context, including after words that merely contain a phone word
    'id 2015550123', 'hotel 2015550123', 'telemetry 2015550123', 'photo 2015550123', 'epoch 1733341467',
    // timestamps, dates, versions, order references, amounts, cards, ZIP codes, IPs
    '2026-12-04 19:54:27', '2026-12-04T19:54:27+01:00', '04/12/2026 19:54', '1733341467123', '10.0.19045.3693', 'v4.1.12',
    'ORD-2024-000123456789', 'PO 4500012345', 'INV-123-456-7890', '$1,234,567.89', '1 234 567,89 EUR', '2 345 678.90',
    '4111 1111 1111 1111', '4111-1111-1111-1111', '90210-1234', '192.168.100.200', '10.201.55.123', '123-45-6789',
    // a '+' that is not a phone prefix
    '1e+21', '+12 lines, -3 lines', 'a+2015550123', 'C++ 2015550123', '+4111111111111111', '+1 555', '+1 201-555-0123-4567',
    // invalid numbers in a valid shape
    '(123) 456-7890', '(201) 055-0123', '+44 00 0000 0000', '2024-201-555-0123', 'in 1831 609 1261 cases', '1201 555-0123',
  ])('leaves %j alone', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('keeps the country code and the last two digits in the partial form', () => {
    const partial = (text: string) => phoneDetector.partial(text, 0, text.length);
    expect(partial('+1 201-555-0171')).toBe('+1 ***-***-**71');
    expect(partial('+44 20 7946 0958')).toBe('+44 ** **** **58');
    expect(partial('0049 30 12345678')).toBe('0049 ** ******78');
    expect(partial('(201) 555-0123')).toBe('(***) ***-**23');
    expect(partial('2015550123')).toBe('********23');
  });

  it('gives the E.164 form as canonical, so every spelling of one number is one token', () => {
    const spellings = ['+1 (201) 555-0123', '(201) 555-0123', '201.555.0123', '2015550123', '001 201 555 0123', '1-201-555-0123'];
    expect(new Set(spellings.map((text) => phoneDetector.canonical(text, 0, text.length)))).toEqual(new Set(['+12015550123']));
  });

  it('reads national numbers in the region it is built for', () => {
    const german = finder(createPhoneDetector('DE'));
    expect(german('Büro 030 12345678, Handy (0151) 1234 5678')).toEqual(['030 12345678', '(0151) 1234 5678']);
    expect(german('Telefon 03012345678')).toEqual(['03012345678']);
    expect(german('ref 03012345678')).toEqual([]);
    expect(german('(201) 555-0123')).toEqual([]);
    expect(german('+1 201-555-0123')).toEqual(['+1 201-555-0123']);
  });

  it('says a text may match whenever it finds a number, and rules out texts with too few digits', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    for (const text of ['+1 (201) 555-0123', '(201) 555-0123', '2015550123', '0049 30 12345678']) {
      expect(phoneDetector.mayMatchAscii(bytes(text), 0, text.length)).toBe(true);
    }
    for (const text of ['+1 555', '2026-12', 'no digits', '12:34:56']) expect(phoneDetector.mayMatchAscii(bytes(text), 0, text.length)).toBe(false);
  });

  it('stays linear, calling libphonenumber only on candidates', () => {
    const texts = ['+'.repeat(200_000), '+1 '.repeat(100_000), '00'.repeat(200_000), '(201) '.repeat(50_000), '1-'.repeat(200_000)];
    const started = performance.now();
    for (const text of texts) found(text);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('reads a country code in parentheses, with the national trunk 0 written too', () => {
    expect(found('call (+44) 020 7946 0958 today')).toEqual(['+44) 020 7946 0958']);
  });
});
