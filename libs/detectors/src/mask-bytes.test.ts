import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maskBytes, type BodyMaskingOptions, type MaskBytesOutcome } from './mask-bytes.js';
import type { MaskingProfile } from './masking.types.js';
import { valueMasker } from './value-masker.js';

const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card'], fields: ['password'], columns: [], styles: { card: 'redact', email: 'redact' } };
const masker = valueMasker(profile);
const LIMIT = 1 << 20;
const CARD = '4111 1111 1111 1111';
const MAIL = 'jo@example.com';

const mask = (body: Uint8Array, contentType: string | undefined, contentEncoding?: string, maxBytes = LIMIT): MaskBytesOutcome =>
  maskBytes(body, { contentType, contentEncoding, maxBytes } satisfies BodyMaskingOptions, masker);

const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
const utf32 = (s: string, littleEndian: boolean) => {
  const points = [...s].map((c) => c.codePointAt(0)!);
  const out = Buffer.alloc(points.length * 4);
  points.forEach((p, i) => (littleEndian ? out.writeUInt32LE(p, i * 4) : out.writeUInt32BE(p, i * 4)));
  return out;
};
const bom = (bytes: number[], body: Buffer) => Buffer.concat([Buffer.from(bytes), body]);

/** How a charset spells a text, and the charset parameter (if any) that says so. */
const CHARSETS: readonly (readonly [name: string, encode: (s: string) => Buffer, parameter: string | undefined])[] = [
  ['utf-8', (s) => Buffer.from(s, 'utf8'), 'utf-8'],
  ['utf-8, undeclared', (s) => Buffer.from(s, 'utf8'), undefined],
  ['utf-8 with BOM, undeclared', (s) => bom([0xef, 0xbb, 0xbf], Buffer.from(s, 'utf8')), undefined],
  ['utf-16le declared', (s) => Buffer.from(s, 'utf16le'), 'utf-16le'],
  ['utf-16be declared', utf16be, '"UTF-16BE"'],
  ['utf-16le declared with BOM', (s) => bom([0xff, 0xfe], Buffer.from(s, 'utf16le')), 'utf-16le'],
  ['utf-16be by BOM only', (s) => bom([0xfe, 0xff], utf16be(s)), undefined],
  ['utf-16le by BOM, declared utf-8 (the BOM wins)', (s) => bom([0xff, 0xfe], Buffer.from(s, 'utf16le')), 'utf-8'],
  ['utf-16le by its NULs', (s) => Buffer.from(s, 'utf16le'), undefined],
  ['utf-16be by its NULs', utf16be, undefined],
  ['utf-32le declared', (s) => utf32(s, true), 'utf-32le'],
  ['utf-32be declared', (s) => utf32(s, false), 'UTF-32BE'],
  ['utf-32le by BOM', (s) => bom([0xff, 0xfe, 0x00, 0x00], utf32(s, true)), undefined],
  ['utf-32be by its NULs', (s) => utf32(s, false), undefined],
  ['windows-1252 (as latin1)', (s) => Buffer.from(s, 'latin1'), 'latin1'],
  ['windows-1252', (s) => Buffer.from(s, 'latin1'), 'windows-1252'],
];

const CODINGS: readonly (readonly [header: string | undefined, encode: (b: Buffer) => Buffer])[] = [
  [undefined, (b) => b],
  ['identity', (b) => b],
  ['gzip', (b) => gzipSync(b)],
  ['deflate', (b) => deflateSync(b)],
  ['deflate', (b) => deflateRawSync(b)],
  ['br', (b) => brotliCompressSync(b)],
  ['gzip, br', (b) => brotliCompressSync(gzipSync(b))],
];

// Latin-1 only, so that windows-1252 can spell it too.
const TEXT = `Zahlung: ${CARD} an ${MAIL}, café. `.repeat(3);
const TEXT_MASKED = 'Zahlung: [REDACTED:card] an [REDACTED:email], café. '.repeat(3);
const JSON_BODY = `{"card":"${CARD}","mail":"${MAIL}","password":"x","note":"café"}`;
const JSON_MASKED = '{"card":"[REDACTED:card]","mail":"[REDACTED:email]","password":"[REDACTED]","note":"café"}';

const cases = CHARSETS.flatMap(([charset, encode, parameter]) => CODINGS.map(([coding, compress]) => [charset, coding ?? '(none)', encode, parameter, coding, compress] as const));

describe('maskBytes: every charset under every content coding', () => {
  it.each(cases)('text in %s, content-encoding %s', (_charset, _coding, encode, parameter, coding, compress) => {
    const out = mask(compress(encode(TEXT)), `text/plain${parameter === undefined ? '' : `; charset=${parameter}`}`, coding);
    expect(out).toMatchObject({ ok: true, findings: { card: 3, email: 3 } });
    if (!out.ok) return;
    expect(out.body.toString('utf8')).toBe(TEXT_MASKED);
    expect(out.contentType).toBe(parameter === 'utf-8' && _charset === 'utf-8' ? 'text/plain; charset=utf-8' : 'text/plain;charset=utf-8');
  });

  it.each(cases)('JSON in %s, content-encoding %s', (_charset, _coding, encode, parameter, coding, compress) => {
    const contentType = `application/json${parameter === undefined ? '' : `; charset=${parameter}`}`;
    const out = mask(compress(encode(JSON_BODY)), contentType, coding);
    expect(out).toMatchObject({ ok: true, findings: { card: 1, email: 1, field: 1 } });
    if (!out.ok) return;
    expect(out.body.toString('utf8')).toBe(JSON_MASKED);
    // JSON has no charset parameter: one that was there now says utf-8; none stays none.
    expect(out.contentType).toBe(parameter === undefined ? 'application/json' : parameter === 'utf-8' && _charset === 'utf-8' ? contentType : 'application/json;charset=utf-8');
  });
});

describe('maskBytes', () => {
  it('masks text in the multi-byte legacy charsets', () => {
    // "テスト" in Shift_JIS, then ASCII.
    const sjis = Buffer.concat([Buffer.from([0x83, 0x65, 0x83, 0x58, 0x83, 0x67]), Buffer.from(` ${CARD} ${MAIL}`)]);
    const out = mask(gzipSync(sjis), 'text/plain; charset=Shift_JIS', 'gzip');
    expect(out).toMatchObject({ ok: true, contentType: 'text/plain;charset=utf-8', findings: { card: 1, email: 1 } });
    if (out.ok) expect(out.body.toString()).toBe('テスト [REDACTED:card] [REDACTED:email]');
    const gb = Buffer.concat([Buffer.from([0xd6, 0xd0]), Buffer.from(` ${MAIL}`)]);
    expect(mask(gb, 'text/html; charset=gb18030')).toMatchObject({ ok: true, findings: { email: 1 } });
  });

  it('keeps a clean UTF-8 body byte for byte, and its Content-Type as sent', () => {
    const body = Buffer.from('clean text, café ✓ 2.50');
    const out = mask(body, 'text/plain; charset=UTF-8');
    expect(out).toMatchObject({ ok: true, contentType: 'text/plain; charset=UTF-8', findings: {} });
    if (out.ok) expect(out.body.equals(body)).toBe(true);
    expect(mask(Buffer.from('{"clean":1}'), 'application/json')).toMatchObject({ ok: true, contentType: 'application/json', findings: {} });
  });

  it('says charset=utf-8 for every type that can carry a charset, so no client reads the masked text in another one', () => {
    expect(mask(Buffer.from('<p>clean</p>'), 'text/html')).toMatchObject({ ok: true, contentType: 'text/html;charset=utf-8' });
    // Two charset parameters: clients disagree on which counts; the masked body gets exactly one.
    expect(mask(Buffer.from('clean'), 'text/plain; charset=utf-8; charset=utf-16le')).toMatchObject({ ok: true, contentType: 'text/plain;charset=utf-8' });
  });

  it('drops a UTF-8 BOM (JSON parsers refuse it; the type says UTF-8 anyway)', () => {
    const out = mask(bom([0xef, 0xbb, 0xbf], Buffer.from('{"a":1}')), 'application/json');
    expect(out.ok && out.body.toString('latin1')).toBe('{"a":1}');
  });

  it('returns an empty body as it is, whatever its headers say', () => {
    expect(mask(Buffer.alloc(0), 'application/json', 'gzip')).toEqual({ ok: true, body: Buffer.alloc(0), contentType: 'application/json', findings: {} });
    expect(mask(Buffer.alloc(0), undefined)).toMatchObject({ ok: true, contentType: '' });
    expect(mask(gzipSync(Buffer.alloc(0)), 'application/json', 'gzip')).toMatchObject({ ok: true, body: Buffer.alloc(0) });
  });

  it('masks an event stream event by event, also compressed, and reads it as UTF-8 whatever its charset says', () => {
    const sse = Buffer.from(`data: {"password":"x"}\n\n: ${MAIL}\ndata: ${CARD}\n\ndata: [DONE]\n\n`);
    const masked = 'data: {"password":"[REDACTED]"}\n\n: [REDACTED:email]\ndata: [REDACTED:card]\n\ndata: [DONE]\n\n';
    for (const [body, coding, type] of [[sse, undefined, 'text/event-stream'], [gzipSync(sse), 'gzip', 'text/event-stream; charset=utf-16le']] as const) {
      const out = mask(body, type, coding);
      expect(out).toMatchObject({ ok: true, contentType: 'text/event-stream;charset=utf-8', findings: { field: 1, email: 1, card: 1 } });
      expect(out.ok && out.body.toString()).toBe(masked);
    }
    expect(mask(Buffer.from(`data: ${'x'.repeat(100)}\n\n`), 'text/event-stream', undefined, 64)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(mask(Buffer.from(`data: ${MAIL}`, 'utf16le'), 'text/event-stream')).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
  });

  describe('compressed bodies no Content-Encoding declares are refused, not read as text', () => {
    const body = Buffer.from(`${CARD} ${MAIL} `.repeat(4));
    it.each<[string, Buffer, string]>([
      ['gzip as UTF-8 text', gzipSync(body), 'text/plain; charset=utf-8'],
      ['gzip as undeclared text', gzipSync(body), 'text/plain'],
      ['gzip as latin1 text (every byte decodes)', gzipSync(body), 'text/plain; charset=latin1'],
      ['gzip as UTF-16 text (almost every byte pair decodes)', gzipSync(body), 'text/plain; charset=utf-16le'],
      ['gzip as JSON', gzipSync(Buffer.from(JSON_BODY)), 'application/json'],
      ['zlib as latin1 text', deflateSync(body), 'text/plain; charset=windows-1252'],
      ['zlib as UTF-16 text', deflateSync(body), 'text/plain; charset=utf-16be'],
      ['zlib as UTF-8 text', deflateSync(body), 'text/plain'],
      ['raw deflate as UTF-8 text (no signature: the strict UTF-8 decode refuses it)', deflateRawSync(body), 'text/plain'],
      ['brotli as UTF-8 text (no signature: the strict UTF-8 decode refuses it)', brotliCompressSync(body), 'text/plain'],
      ['brotli as latin1 text (the binary control bytes refuse it)', brotliCompressSync(body), 'text/plain; charset=iso-8859-1'],
      ['gzip twice, declared once', gzipSync(gzipSync(body)), 'text/plain'],
    ])('%s', (name, bytes, type) => {
      const out = mask(bytes, type, name.startsWith('gzip twice') ? 'gzip' : undefined);
      expect(out).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
    });
  });

  it.each<[string, Buffer, string | undefined, string | undefined, string]>([
    ['an unknown coding', Buffer.from('x'), 'text/plain', 'zstd', 'UNSUPPORTED_ENCODING'],
    ['a coding named by a card (not quoted back)', Buffer.from('x'), 'text/plain', '4111111111111111', 'UNSUPPORTED_ENCODING'],
    ['a charset named by an address (not quoted back)', Buffer.from('x'), 'text/plain; charset=jo@example.com', undefined, 'INVALID_ENCODING'],
    ['a malformed content type holding an address (not quoted back)', Buffer.from('x'), 'jo@example.com', undefined, 'UNSUPPORTED_CONTENT_TYPE'],
    ['compress', Buffer.from('x'), 'text/plain', 'compress', 'UNSUPPORTED_ENCODING'],
    ['corrupt gzip', Buffer.from(`${MAIL} not gzip`), 'text/plain', 'gzip', 'INVALID_ENCODING'],
    ['corrupt br', Buffer.from([0xff, 0xff, 0xff]), 'text/plain', 'br', 'INVALID_ENCODING'],
    ['a gzip bomb', gzipSync(Buffer.alloc(8 << 20, 0x61)), 'text/plain', 'gzip', 'TOO_LARGE'],
    ['a brotli bomb', brotliCompressSync(Buffer.alloc(8 << 20, 0x61)), 'text/plain', 'br', 'TOO_LARGE'],
    ['an identity body over maxBytes', Buffer.alloc(LIMIT + 1, 0x61), 'text/plain', undefined, 'TOO_LARGE'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'application/json', undefined, 'INVALID_ENCODING'],
    ['invalid UTF-16', Buffer.from([0x61, 0x00, 0x00, 0xd8]), 'text/plain; charset=utf-16le', undefined, 'INVALID_ENCODING'],
    ['invalid UTF-32', Buffer.from([0x00, 0x11, 0x00, 0x00]), 'text/plain; charset=utf-32be', undefined, 'INVALID_ENCODING'],
    ['invalid Shift_JIS', Buffer.from([0x81, 0x20]), 'text/plain; charset=shift_jis', undefined, 'INVALID_ENCODING'],
    ['UTF-7', Buffer.from('{"a":"ada+AEA-example.com"}'), 'application/json; charset="UTF-7"', undefined, 'INVALID_ENCODING'],
    ['UTF-16 text declared UTF-8', Buffer.from(`${CARD}`, 'utf16le'), 'text/plain; charset=utf-8', undefined, 'INVALID_ENCODING'],
    // Read as UTF-16BE by its NULs, "card 4\01\0..." hides the card; read as UTF-8 without NULs, it shows it.
    ['a NUL-interleaved card after an odd prefix', Buffer.from(`card ${[...'4111111111111111'].join('\0')}`), 'text/plain', undefined, 'INVALID_ENCODING'],
    ['a NUL-interleaved card declared UTF-8', Buffer.from(`card ${[...'4111111111111111'].join('\0')}`), 'text/plain; charset=utf-8', undefined, 'INVALID_ENCODING'],
    ['binary', Buffer.from('x'), 'application/octet-stream', undefined, 'UNSUPPORTED_CONTENT_TYPE'],
    ['an image', Buffer.from('x'), 'image/png', undefined, 'UNSUPPORTED_CONTENT_TYPE'],
    ['no content type', Buffer.from('x'), undefined, undefined, 'UNSUPPORTED_CONTENT_TYPE'],
    ['an empty content type', Buffer.from('x'), '', undefined, 'UNSUPPORTED_CONTENT_TYPE'],
    ['a malformed content type', Buffer.from('x'), 'text', undefined, 'UNSUPPORTED_CONTENT_TYPE'],
    ['invalid JSON', Buffer.from(`{"a":"${MAIL}"`), 'application/json', undefined, 'INVALID_JSON'],
    ['invalid JSON in UTF-16', Buffer.from(`{"a":"${MAIL}"`, 'utf16le'), 'application/json', undefined, 'INVALID_JSON'],
  ])('refuses %s', (_name, body, contentType, contentEncoding, code) => {
    const out = mask(body, contentType, contentEncoding);
    expect(out).toMatchObject({ ok: false, code });
    if (!out.ok) expect(out.message).not.toMatch(/jo@|4111|example/);
  });

  it('masks a NUL-interleaved card that its NULs show as UTF-16 text', () => {
    const out = mask(Buffer.from(`cards ${[...'4111111111111111'].join('\0')}\0`), 'text/plain');
    expect(out).toMatchObject({ ok: true, findings: { card: 1 } });
    expect(out.ok && out.body.toString()).not.toMatch(/4111/);
  });

  it('refuses a body the masker fails on (JSON nested too deep), never passing it through', () => {
    expect(mask(Buffer.from('['.repeat(20_000) + ']'.repeat(20_000)), 'application/json')).toMatchObject({ ok: false });
  });
});
