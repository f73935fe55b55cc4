import { describe, expect, it } from 'vitest';
import { DETECTOR_IDS, MaskingError, maskText, type DetectorId, type MaskingProfile } from './index.js';
import { applyDetectors } from './mask-text.js';
import { compileProfile } from './profile.js';

const all: MaskingProfile = { name: 'all', detectors: ['email', 'card'], fields: [], columns: [] };

describe('maskText', () => {
  it('applies every detector of the profile and counts findings per detector', () => {
    const text = 'jo@example.com paid with 4111 1111 1111 1111, order 1234567812345678, cc ann@example.org';
    expect(maskText(text, all)).toEqual({
      text: 'j***@example.com paid with **** **** **** 1111, order 1234567812345678, cc a***@example.org',
      findings: { email: 2, card: 1 },
    });
  });

  it('only runs the detectors named by the profile', () => {
    const text = 'jo@example.com 4111111111111111';
    expect(maskText(text, { name: 'cards', detectors: ['card'], fields: [], columns: [] }).text).toBe('jo@example.com ************1111');
    expect(maskText(text, { name: 'none', detectors: [], fields: [], columns: [] })).toEqual({ text, findings: {} });
  });

  it('merges overlaps into the earlier, longer match regardless of detector order, redacting what holds several', () => {
    const text = '4111111111111111@example.com';
    const reversed: MaskingProfile = { name: 'reversed', detectors: ['card', 'email'], fields: [], columns: [] };
    expect(maskText(text, all)).toEqual({ text: '[REDACTED:email]', findings: { email: 1 } });
    expect(maskText(text, reversed)).toEqual({ text: '[REDACTED:email]', findings: { email: 1 } });
    // A partial form would copy the domain, and the card in it.
    expect(maskText('john@4111111111111111.example.com', all).text).toBe('[REDACTED:email]');
    expect(maskText('jo@example.com', all).text).toBe('j***@example.com');
  });

  it('ignores duplicate detector ids', () => {
    const profile: MaskingProfile = { name: 'dup', detectors: ['card', 'card'], fields: [], columns: [] };
    expect(maskText('4111111111111111', profile).findings).toEqual({ card: 1 });
  });

  it('throws UNKNOWN_DETECTOR for a detector id it does not know', () => {
    const profile: MaskingProfile = { name: 'typo', detectors: ['email', 'passport' as DetectorId], fields: [], columns: [] };
    expect(() => maskText('x', profile)).toThrow(MaskingError);
    expect(() => maskText('x', profile)).toThrow(expect.objectContaining({ code: 'UNKNOWN_DETECTOR' }));
    const inherited: MaskingProfile = { name: 'proto', detectors: ['toString' as DetectorId], fields: [], columns: [] };
    expect(() => maskText('x', inherited)).toThrow(expect.objectContaining({ code: 'UNKNOWN_DETECTOR' }));
  });

  it('exposes the detector ids', () => {
    expect(DETECTOR_IDS).toEqual(['email', 'card', 'iban', 'phone', 'ssn', 'secret']);
    expect(Object.isFrozen(DETECTOR_IDS)).toBe(true);
  });
});

describe('applyDetectors through the inspection view', () => {
  const redact: MaskingProfile = { name: 'redact', detectors: ['email', 'card'], fields: [], columns: [], styles: { email: 'redact', card: 'redact' } };
  const mask = (text: string) => maskText(text, redact);

  it.each([
    ['full-width digits', 'pan ４１１１ １１１１ １１１１ １１１１ end'],
    ['Arabic-Indic digits', 'pan ٤١١١ ١١١١ ١١١١ ١١١١ end'],
    ['Devanagari digits', 'pan ४१११ ११११ ११११ ११११ end'],
    ['mathematical digits', 'pan 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 end'],
    ['no-break spaces', 'pan 4111\u00a01111\u00a01111\u00a01111 end'],
    ['ideographic spaces', 'pan 4111\u30001111\u30001111\u30001111 end'],
    ['en dashes', 'pan 4111\u20131111\u20131111\u20131111 end'],
    ['zero-width spaces', 'pan 4111\u200b1111\u200b1111\u200b1111 end'],
    ['soft hyphens', 'pan 4111\u00ad1111\u00ad1111\u00ad1111 end'],
    ['character references', 'pan &#52;111 1111 1111 111&#x31; end'],
    ['percent-escapes', 'pan %34111 1111 1111 1111 end'],
    ['double percent-escapes', 'pan %2534111 1111 1111 1111 end'],
    ['backslash escapes', 'pan \\u0034111 1111 1111 111\\x31 end'],
  ])('masks a card spelled with %s, leaving no digit of it', (_name, text) => {
    expect(mask(text)).toEqual({ text: 'pan [REDACTED:card] end', findings: { card: 1 } });
  });

  it.each([
    ['full-width at and dot', 'to ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ now'],
    ['small commercial at', 'to jo\ufe6bexample.com now'],
    ['named reference', 'to jo&commat;example.com now'],
    ['numeric reference', 'to jo&#64;example.com now'],
    ['percent-escape', 'to jo%40example.com now'],
    ['JSON escape in text', 'to jo\\u0040example.com now'],
    ['zero-width joiner inside', 'to jo\u200d@example.com now'],
    ['entity inside an entity', 'to jo&amp;#64;example.com now'],
  ])('masks an address spelled with %s', (_name, text) => {
    expect(mask(text)).toEqual({ text: 'to [REDACTED:email] now', findings: { email: 1 } });
  });

  it('replaces the source span, ignorables inside included, and keeps the rest as written', () => {
    expect(mask('&lt;b&gt; jo&#64;example.com &amp; 100%').text).toBe('&lt;b&gt; [REDACTED:email] &amp; 100%');
    expect(mask('caf\u00e9 jo\u00ad@example.com \u00e9').text).toBe('caf\u00e9 [REDACTED:email] \u00e9');
  });

  it('builds partial replacements from the view, so they hold no encoded or exotic characters', () => {
    const partial: MaskingProfile = { ...redact, styles: {} };
    const masked = maskText('pan ４１１１ １１１１ １１１１ １１１１', partial).text;
    expect(masked).toMatch(/^pan [* ]*1111$/);
  });

  it('merges overlapping matches into one replacement, counted once', () => {
    // The same digits read as a card and as the local part of an address.
    expect(mask('4111111111111111@example.com')).toEqual({ text: '[REDACTED:email]', findings: { email: 1 } });
  });

  it('returns the very same string when nothing matched', () => {
    const text = 'caf\u00e9 &amp; 100% \\n ４２';
    expect(mask(text).text).toBe(text);
  });

  it('encodes replacements for the format when asked', () => {
    const compiled = compileProfile(redact);
    expect(applyDetectors('jo@example.com x', compiled, {}, undefined, { encode: encodeURIComponent })).toBe('%5BREDACTED%3Aemail%5D x');
  });
});

describe('masking through every encoding at once (generated)', () => {
  const redact: MaskingProfile = { name: 'redact', detectors: ['email', 'card'], fields: [], columns: [], styles: { email: 'redact', card: 'redact' } };
  let seed = 11;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return Math.floor((seed / 0x80000000) * n);
  };
  const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');
  /** One character of a value, spelled one of many ways a client would still read as it. */
  const spell = (char: string): string => {
    const code = char.charCodeAt(0);
    const spellings = [
      char,
      `&#${code};`,
      `&#x${hex(code, 1)};`,
      `%${hex(code, 2).toUpperCase()}`,
      `\\u${hex(code, 4)}`,
      `\\x${hex(code, 2)}`,
      `%25${hex(code, 2)}`,
      `&amp;#${code};`,
      String.fromCodePoint(code + 0xfee0), // full-width
    ];
    if (char >= '0' && char <= '9') {
      const digit = code - 0x30;
      spellings.push(String.fromCodePoint(0x660 + digit), String.fromCodePoint(0x966 + digit), String.fromCodePoint(0x1d7ce + digit), String.fromCodePoint(0xff10 + digit));
    }
    const spelled = spellings[random(spellings.length)]!;
    const ignorable = ['', '', '', '\u200b', '\u00ad', '\u2060', '\ufeff', '\u200d'][random(8)]!;
    return spelled + ignorable;
  };

  it.each([
    ['card', '4111111111111111'],
    ['card', '5555555555554444'],
    ['email', 'jo@example.com'],
    ['email', 'ann.lee@mail.example.org'],
  ])('leaves nothing of a %s spelled in mixed encodings: %s', (detector, value) => {
    for (let sample = 0; sample < 150; sample++) {
      const spelled = [...value].map(spell).join('').replace(/[\u200b\u00ad\u2060\ufeff\u200d]+$/, '');
      expect(maskText(`before ${spelled} after`, redact).text, spelled).toBe(`before [REDACTED:${detector}] after`);
    }
  });
});

describe('replacements never carry other values out', () => {
  const every: MaskingProfile = { name: 'every', detectors: ['email', 'card', 'ssn', 'secret'], fields: [], columns: [] };
  it('a PEM header followed by free text after an "-----END " is masked to the end, not copied into the partial form', () => {
    const text = 'note: -----BEGIN PRIVATE KEY----- x -----END ! victim card 4111 1111 1111 1111, ssn 123-45-6789, mail john.doe@example.com';
    const masked = maskText(text, every).text;
    for (const value of ['4111 1111 1111 1111', '123-45-6789', 'john.doe@example.com']) expect(masked).not.toContain(value);
  });
});
