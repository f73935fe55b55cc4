import { describe, expect, it } from 'vitest';
import type { DetectionContext, DetectorMatch } from './detector.types.js';
import { ssnDetector } from './ssn.detector.js';

const found = (text: string, context?: DetectionContext): string[] => {
  const out: DetectorMatch[] = [];
  ssnDetector.find(text, out, context);
  return out.map((match) => text.slice(match.start, match.end));
};

describe('ssn detector', () => {
  it.each(['123-45-6789', '123 45 6789', '123.45.6789', '001-01-0001', '665-99-9999', '667-01-0001', '899-99-9999', '457-55-5462'])(
    'finds the formatted number %s without context',
    (ssn) => {
      expect(found(`employee ${ssn} on file`)).toEqual([ssn]);
      expect(found(`id:${ssn};`)).toEqual([ssn]);
      expect(found(`in 2024 ${ssn} 17 times`)).toEqual([ssn]);
    },
  );

  it.each([
    ['SSN: 123456789', '123456789'],
    ['ssn#123456789', '123456789'],
    ['SSNs 123456789', '123456789'],
    ['Social Security Number: 123456789', '123456789'],
    ['social-security no. 123456789', '123456789'],
    ['soc. sec. 123456789', '123456789'],
    ['Soc Sec #: 123456789', '123456789'],
    ['taxpayer id 123456789', '123456789'],
  ])('finds nine bare digits after an SSN word: %j', (text, ssn) => {
    expect(found(text)).toEqual([ssn]);
  });

  it('finds nine bare digits under an SSN-like key', () => {
    for (const key of ['ssn', 'SSN', 'social_security_number', 'socialSecurityNumber', 'employee_ssn', 'taxpayerId']) {
      expect(found('123456789', { key })).toEqual(['123456789']);
    }
    for (const key of ['classname', 'id', 'zip']) expect(found('123456789', { key })).toEqual([]);
  });

  it.each([
    // never issued: area 000, 666, 900-999; group 00; serial 0000; voided advertising numbers
    '000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000', '078-05-1120', '219-09-9999',
    // inconsistent separators, other shapes
    '123-45.6789', '123 45-6789', '12-345-6789', '1234-56-789', '123-456-789',
    // part of a longer number, or a phone number's digits after its country code
    '2024-123-45-6789', '123-45-6789-0', '1.123.45.6789', '9123-45-6789', '123-45-67890',
    // bare digits without an SSN word, or too far from one
    'order 123456789', 'zip 123456789', `ssn ${'x'.repeat(60)} 123456789`, 'classnames 123456789', 'lessn 123456789',
    // look-alikes
    '2026-12-04', '201-555-0123', '192.168.100.200', '4111 1111 1111 1111', '+688 90 1234', '+123-45-6789',
  ])('leaves %j alone', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('shows the last four digits in the partial form, separators kept', () => {
    const partial = (text: string) => ssnDetector.partial(text, 0, text.length);
    expect(partial('123-45-6789')).toBe('***-**-6789');
    expect(partial('123 45 6789')).toBe('*** ** 6789');
    expect(partial('123456789')).toBe('*****6789');
  });

  it('gives nine digits as canonical form for every spelling', () => {
    const spellings = ['123-45-6789', '123 45 6789', '123.45.6789', '123456789'];
    expect(new Set(spellings.map((text) => ssnDetector.canonical(text, 0, text.length)))).toEqual(new Set(['123456789']));
  });

  it('says a text may match whenever it finds one, and rules out texts without nine joined digits', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    for (const text of ['123-45-6789', '123 45 6789', '123456789']) expect(ssnDetector.mayMatchAscii(bytes(text), 0, text.length)).toBe(true);
    for (const text of ['123--45--6789', '12345678', '2026-12-04T19:54']) expect(ssnDetector.mayMatchAscii(bytes(text), 0, text.length)).toBe(false);
  });

  it('stays linear', () => {
    const started = performance.now();
    for (const text of ['1'.repeat(300_000), '123-45-'.repeat(40_000), 'ssn '.repeat(50_000) + '123456789 '.repeat(20_000)]) found(text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
