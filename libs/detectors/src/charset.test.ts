import { describe, expect, it } from 'vitest';
import { decodeText, wideEvidence } from './charset.js';

const TEXT = 'Zahlung: 4111 1111 1111 1111 an jo@example.com, café ✓';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const utf16le = (s: string) => Buffer.from(s, 'utf16le');
const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
const utf32 = (s: string, littleEndian: boolean) => {
  const points = [...s].map((c) => c.codePointAt(0)!);
  const out = Buffer.alloc(points.length * 4);
  points.forEach((p, i) => (littleEndian ? out.writeUInt32LE(p, i * 4) : out.writeUInt32BE(p, i * 4)));
  return out;
};
const cat = (...parts: (number[] | Uint8Array)[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

const BOM8 = [0xef, 0xbb, 0xbf];
const BOM16LE = [0xff, 0xfe];
const BOM16BE = [0xfe, 0xff];
const BOM32LE = [0xff, 0xfe, 0x00, 0x00];
const BOM32BE = [0x00, 0x00, 0xfe, 0xff];

describe('decodeText', () => {
  it.each<[string, Uint8Array, string | undefined, string, boolean]>([
    // declared, no BOM
    ['utf-8 declared', utf8(TEXT), 'utf-8', 'utf-8', false],
    ['utf8 alias, any case', utf8(TEXT), 'UTF8', 'utf-8', false],
    ['utf-16le declared', utf16le(TEXT), 'utf-16le', 'utf-16le', false],
    ['utf-16be declared', utf16be(TEXT), 'UTF-16BE', 'utf-16be', false],
    ['utf-16 (byte order open) on big-endian bytes', utf16be(TEXT), 'utf-16', 'utf-16be', true],
    ['utf-16 (byte order open) on little-endian bytes', utf16le(TEXT), 'utf-16', 'utf-16le', true],
    ['ucs-2 alias (byte order open too)', utf16le(TEXT), 'ucs-2', 'utf-16le', true],
    ['utf-32le declared', utf32(TEXT, true), 'utf-32le', 'utf-32le', false],
    ['utf-32be declared', utf32(TEXT, false), 'utf-32be', 'utf-32be', false],
    ['utf-32 (byte order open) on little-endian bytes', utf32(TEXT, true), 'utf-32', 'utf-32le', true],
    ['utf-32 (byte order open) on big-endian bytes', utf32(TEXT, false), 'utf-32', 'utf-32be', true],
    // declared, with BOM
    ['utf-16le declared with its BOM', cat(BOM16LE, utf16le(TEXT)), 'utf-16le', 'utf-16le', false],
    ['utf-16be declared with its BOM', cat(BOM16BE, utf16be(TEXT)), 'utf-16be', 'utf-16be', false],
    ['utf-32le declared with its BOM', cat(BOM32LE, utf32(TEXT, true)), 'utf-32le', 'utf-32le', false],
    ['utf-8 declared with its BOM', cat(BOM8, utf8(TEXT)), 'utf-8', 'utf-8', false],
    // BOM contradicting the declared charset: the BOM wins
    ['UTF-8 BOM, declared utf-16le', cat(BOM8, utf8(TEXT)), 'utf-16le', 'utf-8', false],
    ['UTF-16BE BOM, declared windows-1252', cat(BOM16BE, utf16be(TEXT)), 'windows-1252', 'utf-16be', false],
    ['UTF-16LE BOM, declared utf-16be', cat(BOM16LE, utf16le(TEXT)), 'utf-16be', 'utf-16le', false],
    ['UTF-32LE BOM, declared utf-8', cat(BOM32LE, utf32(TEXT, true)), 'utf-8', 'utf-32le', false],
    ['UTF-32BE BOM, declared utf-16le', cat(BOM32BE, utf32(TEXT, false)), 'utf-16le', 'utf-32be', false],
    // nothing declared: BOM
    ['UTF-8 BOM only', cat(BOM8, utf8(TEXT)), undefined, 'utf-8', false],
    ['UTF-16LE BOM only', cat(BOM16LE, utf16le(TEXT)), undefined, 'utf-16le', false],
    ['UTF-16BE BOM only', cat(BOM16BE, utf16be(TEXT)), undefined, 'utf-16be', false],
    ['UTF-32LE BOM only (FF FE 00 00 is not UTF-16LE and a NUL)', cat(BOM32LE, utf32(TEXT, true)), undefined, 'utf-32le', false],
    ['UTF-32BE BOM only', cat(BOM32BE, utf32(TEXT, false)), undefined, 'utf-32be', false],
    // nothing declared, no BOM: NUL patterns, else UTF-8
    ['UTF-16LE by its NULs', utf16le(TEXT), undefined, 'utf-16le', true],
    ['UTF-16BE by its NULs', utf16be(TEXT), undefined, 'utf-16be', true],
    ['UTF-32LE by its NULs', utf32(TEXT, true), undefined, 'utf-32le', true],
    ['UTF-32BE by its NULs', utf32(TEXT, false), undefined, 'utf-32be', true],
    ['UTF-8 without anything', utf8(TEXT), undefined, 'utf-8', false],
    ['an empty charset parameter is none', utf16le(TEXT), '', 'utf-16le', true],
  ])('%s', (_name, bytes, declared, charset, byContent) => {
    expect(decodeText(bytes, declared)).toEqual({ ok: true, text: TEXT, charset, byContent });
  });

  it('decodes astral characters in UTF-16 and UTF-32', () => {
    const text = 'jo@example.com 😀 𝟒𝟏𝟏𝟏';
    for (const [bytes, declared] of [[utf16le(text), 'utf-16le'], [utf16be(text), 'utf-16be'], [utf32(text, true), 'utf-32le'], [utf32(text, false), 'utf-32be']] as const) {
      expect(decodeText(bytes, declared)).toMatchObject({ ok: true, text });
    }
  });

  it.each<[string, number[], string, string]>([
    ['windows-1252', [0x80, 0x20, 0x34, 0x31, 0xe9], 'windows-1252', '€ 41é'],
    ['latin1 (WHATWG: windows-1252)', [0x63, 0x61, 0x66, 0xe9, 0x20, 0x80], 'latin1', 'café €'],
    ['iso-8859-1 (WHATWG: windows-1252)', [0xe9], 'ISO-8859-1', 'é'],
    ['windows-1252 0x80-0x9F per WHATWG, not ISO-8859-1 (Node 20 TextDecoder bug)', [0x80, 0x82, 0x8a, 0x92, 0x99, 0x9f], 'cp1252', '€‚Š’™Ÿ'],
    ['iso-8859-15', [0xa4], 'iso-8859-15', '€'],
    ['us-ascii (WHATWG: windows-1252)', [0x61, 0x40, 0x62], 'us-ascii', 'a@b'],
    ['iso-8859-2', [0xa9, 0x61], 'iso-8859-2', 'Ša'],
    ['shift_jis', [0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x20, 0x34], 'shift_jis', 'テスト 4'],
    ['euc-kr', [0xc7, 0xd1], 'euc-kr', '한'],
    ['gb18030', [0xd6, 0xd0], 'gb18030', '中'],
    ['koi8-r', [0xf0, 0xd2], 'koi8-r', 'Пр'],
    ['iso-2022-jp (escapes are ASCII bytes)', [0x1b, 0x24, 0x42, 0x25, 0x46, 0x1b, 0x28, 0x42, 0x61], 'iso-2022-jp', 'テa'],
  ])('legacy charset %s', (_name, bytes, declared, text) => {
    const decoded = decodeText(Buffer.from(bytes), declared);
    expect(decoded).toMatchObject({ ok: true, text });
  });

  it('names the WHATWG encoding a label stands for', () => {
    expect(decodeText(Buffer.from([0xe9]), 'latin1')).toEqual({ ok: true, text: 'é', charset: 'windows-1252', byContent: false });
    expect(decodeText(Buffer.from('plain'), 'Shift_JIS')).toEqual({ ok: true, text: 'plain', charset: 'shift_jis', byContent: false });
  });

  it.each<[string, Uint8Array, string | undefined]>([
    ['utf-8: a lone continuation byte', Buffer.from([0x61, 0x80]), 'utf-8'],
    ['utf-8: an overlong encoding', Buffer.from([0xc0, 0xaf]), 'utf-8'],
    ['utf-8: an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80]), undefined],
    ['utf-8: a truncated sequence', Buffer.from([0x61, 0xe2, 0x82]), undefined],
    ['utf-8 declared over latin1 bytes', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'utf-8'],
    ['utf-16le: odd length', cat(utf16le('ab'), [0x63]), 'utf-16le'],
    ['utf-16le: a lone high surrogate', cat(utf16le('a'), [0x00, 0xd8], utf16le('b')), 'utf-16le'],
    ['utf-16le: a lone low surrogate', cat(utf16le('a'), [0x00, 0xdc]), 'utf-16le'],
    ['utf-16be: a lone surrogate', cat(utf16be('a'), [0xd8, 0x00]), 'utf-16be'],
    ['utf-16be: odd length', cat(utf16be('ab'), [0x63]), 'utf-16be'],
    ['utf-16 by BOM, then invalid', cat(BOM16LE, [0x00, 0xdc]), undefined],
    ['utf-32le: length not a multiple of 4', cat(utf32('ab', true), [0x63]), 'utf-32le'],
    ['utf-32le: above U+10FFFF', cat(utf32('a', true), [0x00, 0x00, 0x11, 0x00]), 'utf-32le'],
    ['utf-32be: a surrogate code point', cat(utf32('a', false), [0x00, 0x00, 0xd8, 0x00]), 'utf-32be'],
    ['utf-32be: a code point above 2^31', cat([0x80, 0x00, 0x00, 0x41]), 'utf-32be'],
    ['utf-32 by BOM, then invalid', cat(BOM32BE, [0x00, 0x11, 0x00, 0x00]), undefined],
    ['shift_jis: a lead byte without its trail', Buffer.from([0x83, 0x65, 0x83]), 'shift_jis'],
    ['shift_jis: an invalid trail byte', Buffer.from([0x81, 0x20]), 'shift_jis'],
    ['euc-kr: a lone lead byte', Buffer.from([0x61, 0xa1]), 'euc-kr'],
    ['gb18030: 0xFF', Buffer.from([0x61, 0xff]), 'gb18030'],
    ['iso-8859-7: an unassigned byte', Buffer.from([0x61, 0xff]), 'iso-8859-7'],
    ['iso-8859-3: an unassigned byte', Buffer.from([0xa5]), 'iso-8859-3'],
    ['windows-1252: binary control bytes', Buffer.from([0x61, 0x01, 0x02, 0x62]), 'windows-1252'],
    ['windows-1252: a C1 control', Buffer.from([0x61, 0x81]), 'windows-1252'],
    ['iso-8859-2: a C1 control', Buffer.from([0x61, 0x85]), 'iso-8859-2'],
    ['latin1: gzip bytes', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]), 'latin1'],
    ['UTF-7 (not a WHATWG encoding)', Buffer.from('ada+AEA-example.com'), 'utf-7'],
    ['the replacement encoding (iso-2022-kr)', Buffer.from('a'), 'iso-2022-kr'],
    ['x-user-defined', Buffer.from('a'), 'x-user-defined'],
    ['an unknown label', Buffer.from('a'), 'klingon'],
    ['an Object.prototype name as label', Buffer.from('a'), 'constructor'],
  ])('refuses %s', (_name, bytes, declared) => {
    const decoded = decodeText(bytes, declared);
    expect(decoded.ok).toBe(false);
  });

  it.each<[string, Uint8Array, string | undefined]>([
    ['UTF-16LE bytes declared utf-8', utf16le(TEXT), 'utf-8'],
    ['UTF-16LE bytes declared windows-1252', utf16le(TEXT), 'windows-1252'],
    ['UTF-16BE bytes declared shift_jis', utf16be(TEXT), 'shift_jis'],
    ['UTF-32LE bytes declared utf-16le', utf32(TEXT, true), 'utf-16le'],
    ['UTF-16BE bytes declared utf-16le (read as CJK, not digits)', utf16be(TEXT), 'utf-16le'],
    ['UTF-16LE bytes declared utf-16be', utf16le(TEXT), 'utf-16be'],
    ['UTF-32BE bytes declared utf-32le', utf32(TEXT, false), 'utf-32le'],
    ['a NUL in UTF-8 text', Buffer.from('41111111\u000011111111'), undefined],
    ['a NUL in UTF-16 text', utf16le('a\u0000b'), 'utf-16le'],
  ])('refuses text in another encoding than declared: %s', (_name, bytes, declared) => {
    expect(decodeText(bytes, declared).ok).toBe(false);
  });

  it('never quotes the body in its refusal', () => {
    const decoded = decodeText(Buffer.concat([Buffer.from('jo@example.com 4111111111111111 '), Buffer.from([0xff])]), 'utf-8');
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).not.toMatch(/jo@|4111/);
  });

  it('drops the BOM from the text', () => {
    expect(decodeText(cat(BOM8, utf8('{}')), undefined)).toMatchObject({ ok: true, text: '{}' });
    expect(decodeText(cat(BOM16BE, utf16be('{}')), 'utf-16be')).toMatchObject({ ok: true, text: '{}' });
  });

  it('keeps ESC, tabs and line breaks in legacy text (ANSI-coloured logs)', () => {
    expect(decodeText(Buffer.from('\u001b[31mred\u001b[0m\t\r\n\f\v'), 'windows-1252')).toMatchObject({ ok: true });
  });
});

describe('wideEvidence', () => {
  it.each<[string, Uint8Array, string | undefined]>([
    ['ASCII', utf8('hello world'), undefined],
    ['UTF-8 with one NUL', utf8('hello\u0000world, the rest of a long line of text'), undefined],
    ['UTF-16LE ASCII', utf16le('hello'), 'utf-16le'],
    ['UTF-16LE CJK with a card', utf16le('テスト 4111 1111 1111 1111 テスト'), 'utf-16le'],
    ['UTF-16BE ASCII', utf16be('hello'), 'utf-16be'],
    ['UTF-32LE', utf32('hello', true), 'utf-32le'],
    ['UTF-32BE', utf32('hello', false), 'utf-32be'],
    ['UTF-32LE of one character', utf32('a', true), 'utf-32le'],
    ['UTF-16LE of one character', utf16le('a'), 'utf-16le'],
    ['all NUL', Buffer.alloc(64), undefined],
    ['one byte', Buffer.from([0]), undefined],
  ])('%s', (_name, bytes, expected) => {
    expect(wideEvidence(bytes)).toBe(expected);
  });
});
