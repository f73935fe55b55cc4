import { describe, expect, it } from 'vitest';
import type { DetectorMatch } from './detector.types.js';
import { emailDetector } from './email.detector.js';
import { maskText, type MaskingProfile } from './index.js';

// Texts here are inspection views: NFKC already applied (a full-width ＠ is @), Unicode letters kept.
const emails: MaskingProfile = { name: 'emails', detectors: ['email'], fields: [], columns: [] };
const mask = (text: string): string => maskText(text, emails).text;
const found = (text: string): string[] => {
  const out: DetectorMatch[] = [];
  emailDetector.find(text, out);
  return out.map((match) => text.slice(match.start, match.end));
};
const canonical = (text: string) => emailDetector.canonical(text, 0, text.length);

describe('email detector', () => {
  it('masks an address in free text, keeping the first character and the domain', () => {
    expect(mask('contact john.doe@example.com today')).toBe('contact j***@example.com today');
  });

  it('accepts the allowed local-part characters and multi-label domains', () => {
    expect(mask('a.b_c%d+e-f@mail.eu-west.example.co.uk')).toBe('a***@mail.eu-west.example.co.uk');
    expect(mask('x@ex.io')).toBe('x***@ex.io');
  });

  it.each([
    'jo+tag@example.com',
    'JOHN.DOE@EXAMPLE.COM',
    'Jo.Doe@Example.Com',
    "o'brien@example.ie",
    'jöhn.dœ@exämple.com',
    'пользователь@пример.рф',
    '用户@例子.广告',
    'θεός@παράδειγμα.ελ',
    'user@xn--bcher-kva.de',
    'user@bücher.xn--p1ai',
    'मोहन@उदाहरण.भारत',
    '"john doe"@example.com',
    '"a@b"@example.com',
    '"quoted\\"inside"@example.org',
    'x@[192.168.0.1]',
    'x@[IPv6:2001:db8::1]',
    `${'a'.repeat(64)}@example.com`,
    `jo@${'a'.repeat(63)}.com`,
    '1234567@numbers.example',
    'first.last@sub.domain.museum',
  ])('finds %s', (address) => {
    expect(found(`mail: ${address}, thanks`)).toEqual([address]);
  });

  it('does not swallow surrounding punctuation', () => {
    expect(mask('<jo@example.com>, (ann@example.org).')).toBe('<j***@example.com>, (a***@example.org).');
    expect(mask('mailto:jo@example.com?subject=hi')).toBe('mailto:j***@example.com?subject=hi');
    expect(mask('see...jo@example.com...')).toBe('see...j***@example.com...');
    expect(mask('"jo@example.com"')).toBe('"j***@example.com"');
    expect(mask("'jo@example.com'")).toBe("'j***@example.com'");
    expect(mask('key=jo@example.com&x=1')).toBe('key=j***@example.com&x=1');
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
    '""@example.com',
    `${'a'.repeat(65)}@example.com`,
    `foo@${'a'.repeat(64)}.com`,
    // documented look-alikes
    'ping @mention please',
    'user@localhost',
    '@media (min-width: 600px) { a { color: red } }',
    'logo@2x.png',
    'sprite@3x.webp',
    'hero@1.5x.jpg',
    'bundle@1.2.js',
    'icon@home.svg',
    '@scope/pkg',
    'npm i @types/node@20.11.5',
    'lodash@4.17.21',
    'react@latest',
    'x@[999]',
  ])('leaves %s alone', (text) => {
    expect(maskText(text, emails)).toEqual({ text, findings: {} });
  });

  it('finds the address-shaped part of a git remote (documented: masking it is accepted)', () => {
    expect(found('git@github.com:org/repo.git')).toEqual(['git@github.com']);
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

  it('gives a partial form from the first letter (inside quotes, astral letters whole) and the domain', () => {
    const partial = (text: string) => emailDetector.partial(text, 0, text.length);
    expect(partial('"john doe"@example.com')).toBe('j***@example.com');
    expect(partial('𝒳avier@example.com')).toBe('𝒳***@example.com');
    expect(partial('пользователь@пример.рф')).toBe('п***@пример.рф');
  });

  it('gives one canonical form for every spelling of one address: case and IDN/punycode', () => {
    expect(canonical('Jo.Doe@Example.COM')).toBe(canonical('jo.doe@example.com'));
    expect(canonical('jo@Bücher.de')).toBe(canonical('JO@xn--bcher-kva.DE'));
    expect(canonical('jo@bücher.de')).toBe('jo@xn--bcher-kva.de');
  });

  it('says a text may match exactly when it holds an @', () => {
    const bytes = new TextEncoder().encode('a jo@x.io b');
    expect(emailDetector.mayMatchAscii(bytes, 0, bytes.length)).toBe(true);
    expect(emailDetector.mayMatchAscii(bytes, 5, bytes.length)).toBe(false);
  });

  it('stays linear on adversarial input', () => {
    const texts = [
      'a'.repeat(200_000) + '@'.repeat(200_000) + 'a.'.repeat(200_000),
      'é'.repeat(100_000) + '@' + 'é.'.repeat(100_000),
      '"'.repeat(100_000) + '@x.io'.repeat(20_000),
      'a@'.repeat(200_000),
    ];
    const started = performance.now();
    for (const text of texts) mask(text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
