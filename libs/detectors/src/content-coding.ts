import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { errorCode } from '@portcullis/errors';
import { nameForMessage } from './content-type.js';

export type ContentCodingFailure = 'UNSUPPORTED_ENCODING' | 'INVALID_ENCODING' | 'TOO_LARGE';

export type ContentDecoding = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly code: ContentCodingFailure; readonly message: string };

type Coding = 'gzip' | 'deflate' | 'br';

/** Content codings the gateway undoes, by their registered names (RFC 9110 §8.4.1, x-gzip its alias). */
const CODINGS: ReadonlyMap<string, Coding> = new Map([
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate', 'deflate'],
  ['br', 'br'],
]);

/** More codings than any server applies: each one costs a decompression bounded by maxBytes. */
const MAX_CODINGS = 4;

/**
 * Undoes a Content-Encoding: the codings listed, in reverse order of application, each bounded by
 * `maxBytes` of output (zlib's maxOutputLength: a decompression bomb stops there, it is never
 * inflated whole). `identity` is no coding. An unknown coding (zstd, compress, ...) is refused, and
 * so is data its coding cannot read.
 */
export function decodeContentCoding(body: Uint8Array, contentEncoding: string | undefined, maxBytes: number): ContentDecoding {
  const names = (contentEncoding ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'identity');
  if (names.length > MAX_CODINGS) return { ok: false, code: 'UNSUPPORTED_ENCODING', message: `more than ${MAX_CODINGS} content codings` };
  const codings: Coding[] = [];
  for (const name of names) {
    const coding = CODINGS.get(name);
    if (coding === undefined) return { ok: false, code: 'UNSUPPORTED_ENCODING', message: `content-encoding ${nameForMessage(name)} is not supported (gzip, deflate, br)` };
    codings.push(coding);
  }
  let decoded = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (const coding of codings.reverse()) {
    try {
      decoded = undo(coding, decoded, maxBytes);
    } catch (err) {
      if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') return tooLarge(maxBytes);
      return { ok: false, code: 'INVALID_ENCODING', message: `body is not valid ${coding} data` };
    }
  }
  if (decoded.length > maxBytes) return tooLarge(maxBytes);
  return { ok: true, body: decoded };
}

function undo(coding: Coding, data: Buffer, maxBytes: number): Buffer {
  const options = { maxOutputLength: maxBytes };
  switch (coding) {
    case 'gzip':
      return gunzipSync(data, options);
    case 'br':
      return brotliDecompressSync(data, options);
    case 'deflate':
      // "deflate" is the zlib format (RFC 9110 §8.4.1.2); some servers send raw deflate.
      if (isZlibHeader(data)) {
        try {
          return inflateSync(data, options);
        } catch (err) {
          if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') throw err;
        }
      }
      return inflateRawSync(data, options);
  }
}

function tooLarge(maxBytes: number): ContentDecoding {
  return { ok: false, code: 'TOO_LARGE', message: `body decodes to more than ${maxBytes} bytes` };
}

/** RFC 1950: CM 8 (deflate), a window of at most 32 KiB, and the header check. */
function isZlibHeader(data: Uint8Array): boolean {
  if (data.length < 2) return false;
  const cmf = data[0]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | data[1]!) % 31 === 0;
}

/** Signatures of compressed and archive formats, as their first bytes. */
const SIGNATURES: readonly { readonly format: string; readonly bytes: readonly number[] }[] = [
  { format: 'gzip', bytes: [0x1f, 0x8b, 0x08] },
  { format: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { format: 'bzip2', bytes: [0x42, 0x5a, 0x68] }, // "BZh", then a block size digit and the block magic
  { format: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { format: '7z', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { format: 'lz4', bytes: [0x04, 0x22, 0x4d, 0x18] },
];

const BZIP2_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];

/** How much a zlib-looking body is inflated to tell it from text that starts like a zlib header. */
const ZLIB_PROBE_BYTES = 4096;

/**
 * The compressed format a body is in although no Content-Encoding says so, if its first bytes
 * say it is one. Such a body read as text would hide everything from the detectors while any client
 * can decompress it (in UTF-8 its bytes are almost never valid, but in latin1 or UTF-16 they
 * decode). A zlib header is two bytes text can start with ("x^"), so it counts only when the body
 * inflates. Brotli has no signature: a brotli body declared as text is caught only by the strict
 * charset decode.
 */
export function compressedFormatOf(body: Uint8Array): string | undefined {
  for (const { format, bytes } of SIGNATURES) {
    if (!bytes.every((byte, i) => body[i] === byte)) continue;
    if (format === 'bzip2' && !(body[3]! >= 0x31 && body[3]! <= 0x39 && BZIP2_BLOCK.every((byte, i) => body[4 + i] === byte))) continue;
    return format;
  }
  if (isZlibHeader(body)) {
    try {
      inflateSync(body, { maxOutputLength: ZLIB_PROBE_BYTES });
      return 'zlib';
    } catch (err) {
      // Inflating that far is what deflate data does, not text.
      if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') return 'zlib';
    }
  }
  return undefined;
}
