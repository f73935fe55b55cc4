import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressedFormatOf, decodeContentCoding } from './content-coding.js';

const TEXT = Buffer.from('card 4111 1111 1111 1111, mail jo@example.com. '.repeat(20));
const LIMIT = 1 << 20;

describe('decodeContentCoding', () => {
  it.each<[string, string | undefined, Buffer]>([
    ['no header', undefined, TEXT],
    ['identity', 'identity', TEXT],
    ['gzip', 'gzip', gzipSync(TEXT)],
    ['x-gzip', 'x-gzip', gzipSync(TEXT)],
    ['GZIP in capitals', 'GZIP', gzipSync(TEXT)],
    ['gzip of two members', 'gzip', Buffer.concat([gzipSync(TEXT.subarray(0, 100)), gzipSync(TEXT.subarray(100))])],
    ['deflate, zlib-wrapped (RFC 9110)', 'deflate', deflateSync(TEXT)],
    ['deflate, raw (as some servers send it)', 'deflate', deflateRawSync(TEXT)],
    ['deflate, zlib-wrapped, best compression', 'deflate', deflateSync(TEXT, { level: 9 })],
    ['deflate, zlib-wrapped, no compression', 'deflate', deflateSync(TEXT, { level: 0 })],
    ['br', 'br', brotliCompressSync(TEXT)],
    ['gzip, br: br applied last, undone first', 'gzip, br', brotliCompressSync(gzipSync(TEXT))],
    ['br,deflate', 'br,deflate', deflateSync(brotliCompressSync(TEXT))],
    ['identity, gzip, identity', ' identity , gzip ,identity', gzipSync(TEXT)],
    ['an empty list element', 'gzip,,', gzipSync(TEXT)],
  ])('undoes %s', (_name, header, body) => {
    const decoded = decodeContentCoding(body, header, LIMIT);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.body.equals(TEXT)).toBe(true);
  });

  it.each(['zstd', 'compress', 'x-compress', 'exi', 'pack200-gzip', 'gzip, zstd', 'aes128gcm', 'chunked'])('refuses the coding %j', (header) => {
    expect(decodeContentCoding(gzipSync(TEXT), header, LIMIT)).toMatchObject({ ok: false, code: 'UNSUPPORTED_ENCODING' });
  });

  it('refuses more codings than any server applies', () => {
    let body = TEXT;
    for (let i = 0; i < 5; i++) body = gzipSync(body);
    expect(decodeContentCoding(body, 'gzip, gzip, gzip, gzip, gzip', LIMIT)).toMatchObject({ ok: false, code: 'UNSUPPORTED_ENCODING' });
  });

  const corrupt = (data: Buffer) => {
    const copy = Buffer.from(data);
    for (let i = 10; i < copy.length - 8; i += 7) copy[i] ^= 0x5a;
    return copy;
  };
  it.each<[string, string, Buffer]>([
    ['gzip: not gzip at all', 'gzip', TEXT],
    ['gzip: corrupted', 'gzip', corrupt(gzipSync(TEXT))],
    ['gzip: truncated', 'gzip', gzipSync(TEXT).subarray(0, 30)],
    ['gzip: trailing garbage', 'gzip', Buffer.concat([gzipSync(TEXT), Buffer.from('garbage')])],
    ['gzip: a bad CRC', 'gzip', (() => { const g = Buffer.from(gzipSync(TEXT)); g[g.length - 6] ^= 1; return g; })()],
    ['deflate: not deflate', 'deflate', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['deflate: corrupted', 'deflate', corrupt(deflateSync(TEXT))],
    ['deflate: truncated zlib', 'deflate', deflateSync(TEXT).subarray(0, 20)],
    ['br: corrupted', 'br', corrupt(brotliCompressSync(TEXT))],
    ['br: truncated', 'br', brotliCompressSync(TEXT).subarray(0, 10)],
    ['gzip, br: the inner layer corrupt', 'gzip, br', brotliCompressSync(corrupt(gzipSync(TEXT)))],
  ])('refuses %s', (_name, header, body) => {
    expect(decodeContentCoding(body, header, LIMIT)).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
  });

  const bomb = Buffer.alloc(64 << 20, 0x61);
  it.each<[string, string, Buffer]>([
    ['gzip', 'gzip', gzipSync(bomb)],
    ['deflate (zlib)', 'deflate', deflateSync(bomb)],
    ['deflate (raw)', 'deflate', deflateRawSync(bomb)],
    ['br', 'br', brotliCompressSync(bomb)],
    ['gzip inside br', 'gzip, br', brotliCompressSync(gzipSync(bomb))],
  ])('stops a %s bomb at maxBytes', (_name, header, body) => {
    expect(body.length).toBeLessThan(200_000);
    expect(decodeContentCoding(body, header, LIMIT)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('bounds an identity body too, and accepts exactly maxBytes', () => {
    expect(decodeContentCoding(Buffer.alloc(101), undefined, 100)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(decodeContentCoding(Buffer.alloc(100), 'identity', 100)).toMatchObject({ ok: true });
    expect(decodeContentCoding(gzipSync(Buffer.alloc(100)), 'gzip', 100)).toMatchObject({ ok: true });
    expect(decodeContentCoding(gzipSync(Buffer.alloc(101)), 'gzip', 100)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('never quotes the body in a refusal', () => {
    const out = decodeContentCoding(TEXT, 'gzip', LIMIT);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).not.toMatch(/4111|jo@/);
  });
});

describe('compressedFormatOf', () => {
  it.each<[string, Buffer, string | undefined]>([
    ['gzip', gzipSync(TEXT), 'gzip'],
    ['zlib', deflateSync(TEXT), 'zlib'],
    ['zlib, no compression', deflateSync(TEXT, { level: 0 }), 'zlib'],
    ['zlib of a short text', deflateSync('4111111111111111'), 'zlib'],
    ['zstd frame', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]), 'zstd'],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]), 'xz'],
    ['bzip2', Buffer.from('BZh91AY&SY\x01\x02', 'latin1'), 'bzip2'],
    ['zip', Buffer.from('PK\x03\x04\x14\x00', 'latin1'), 'zip'],
    ['text', TEXT, undefined],
    ['text starting like a zlib header', Buffer.from('x^2 + y^2 = z^2, and 4111 1111 1111 1111'), undefined],
    ['text starting "x " (a zlib header with a dictionary)', Buffer.from('x marks the spot'), undefined],
    ['text starting "BZh"', Buffer.from('BZh, said the bee'), undefined],
    ['raw deflate (no signature: the charset decode refuses it)', deflateRawSync(TEXT), undefined],
    ['empty', Buffer.alloc(0), undefined],
  ])('%s', (_name, body, format) => {
    expect(compressedFormatOf(body)).toBe(format);
  });
});
