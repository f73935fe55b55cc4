import { describe, expect, it } from 'vitest';
import { maskText, type MaskingProfile } from './index.js';

const emails: MaskingProfile = { name: 'emails', detectors: ['email'], fields: [], columns: [] };
const mask = (text: string): string => maskText(text, emails).text;

describe('email detector', () => {
  it('masks an address in free text, keeping the first character and the domain', () => {
    expect(mask('contact john.doe@example.com today')).toBe('contact j***@example.com today');
  });

  it('accepts the allowed local-part characters and multi-label domains', () => {
    expect(mask('a.b_c%d+e-f@mail.eu-west.example.co.uk')).toBe('a***@mail.eu-west.example.co.uk');
    expect(mask('x@ex.io')).toBe('x***@ex.io');
  });

  it('does not swallow surrounding punctuation', () => {
    expect(mask('<jo@example.com>, (ann@example.org).')).toBe('<j***@example.com>, (a***@example.org).');
    expect(mask('mailto:jo@example.com?subject=hi')).toBe('mailto:j***@example.com?subject=hi');
    expect(mask('see...jo@example.com...')).toBe('see...j***@example.com...');
    expect(mask('"jo@example.com"')).toBe('"j***@example.com"');
  });

  it.each([
    'a@b',
    '@example.com',
    'foo@.com',
    'foo@example',
    'foo@example.c',
    'foo@example.c0m',
    'foo@-example.com',
    'foo@example-.com',
    'foo.@example.com',
    'foo@example..com',
    'user @ example.com',
    '@',
    `${'a'.repeat(65)}@example.com`,
    `foo@${'a'.repeat(64)}.com`,
  ])('leaves %s alone', (text) => {
    expect(maskText(text, emails)).toEqual({ text, findings: {} });
  });

  it('starts the address after a double dot, which a local part cannot contain', () => {
    expect(mask('fo..o@example.com')).toBe('fo..o***@example.com');
    expect(mask('.jo@example.com')).toBe('.j***@example.com');
  });

  it('masks several addresses and counts them', () => {
    const result = maskText('to: a@x.io, b@y.io; cc: not-an@address', emails);
    expect(result.text).toBe('to: a***@x.io, b***@y.io; cc: not-an@address');
    expect(result.findings).toEqual({ email: 2 });
  });

  it('stays linear on adversarial input', () => {
    const text = 'a'.repeat(200_000) + '@'.repeat(200_000) + 'a.'.repeat(200_000);
    const started = performance.now();
    expect(mask(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
