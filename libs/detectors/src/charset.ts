import { isAscii, isUtf8 } from 'node:buffer';
import { nameForMessage } from './content-type.js';

/**
 * Bytes to text, strictly: the detectors read text, so a body is masked only once it is known
 * how its bytes spell characters, and a byte that spells nothing refuses the body. (A lenient
 * decoder's U+FFFD, or a guess, would hide from the detectors what a client may still read.)
 */
export type CharsetDecoding =
  | {
      readonly ok: true;
      readonly text: string;
      /** The encoding used, by its WHATWG name (`utf-8`, `utf-16le`, `windows-1252`, ...) or `utf-32le` / `utf-32be`. */
      readonly charset: string;
      /**
       * The encoding was read off the NUL bytes (no BOM, no label naming it): those bytes may also
       * be another encoding's text with NULs in it (see maskBytes).
       */
      readonly byContent: boolean;
    }
  | { readonly ok: false; readonly message: string };

type Wide = 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** Byte-order marks, longest first: FF FE 00 00 is UTF-32LE, not UTF-16LE followed by a NUL. */
const BOMS: readonly { readonly bytes: readonly number[]; readonly charset: 'utf-8' | Wide }[] = [
  { bytes: [0x00, 0x00, 0xfe, 0xff], charset: 'utf-32be' },
  { bytes: [0xff, 0xfe, 0x00, 0x00], charset: 'utf-32le' },
  { bytes: [0xef, 0xbb, 0xbf], charset: 'utf-8' },
  { bytes: [0xfe, 0xff], charset: 'utf-16be' },
  { bytes: [0xff, 0xfe], charset: 'utf-16le' },
];

/** Labels that name UTF-32 (not in the WHATWG Encoding standard, so not known to TextDecoder). */
const UTF32_LABELS: ReadonlyMap<string, Wide | 'utf-32'> = new Map([
  ['utf-32', 'utf-32'],
  ['utf-32le', 'utf-32le'],
  ['utf-32be', 'utf-32be'],
  ['ucs-4', 'utf-32'],
  ['iso-10646-ucs-4', 'utf-32'],
]);

/** How many leading bytes the NUL-pattern guess looks at: enough for a pattern, bounded in cost. */
const SAMPLE_BYTES = 4096;

/**
 * C0 controls other than HT, LF, VT, FF, CR and ESC, and the C1 controls: text does not contain
 * them, compressed or binary data read in a single-byte charset (where every byte decodes) almost
 * always does.
 */
const BINARY_CONTROL = /[\x00-\x08\x0e-\x1a\x1c-\x1f\x80-\x9f]/;

/**
 * Decodes a body in its charset: the declared one (a Content-Type `charset` label, any WHATWG
 * label or UTF-32), else what its bytes show, else UTF-8.
 *
 * - A byte-order mark wins over the declared charset, as in browsers (WHATWG "decode"), and is
 *   dropped from the text: it is not content, and JSON parsers refuse it.
 * - Without a BOM, the NUL bytes of ASCII text in UTF-16/32 show the encoding and its byte order
 *   (ASCII in UTF-16LE has a NUL at every odd offset, ...). This picks the encoding when none is
 *   declared or the label leaves the byte order open (`utf-16`, `utf-32`), and refuses a body that
 *   contradicts its label's byte order (UTF-16BE bytes declared UTF-16LE read as CJK, not digits).
 *   A pick made this way is flagged `byContent`: it is a guess the caller may want to check.
 * - Decoded text holding U+0000 is refused whatever the charset: no text format carries NULs, and
 *   text in a wider encoding read as a narrower one is full of them ("4\0 1\0 ..." is a card to
 *   any client that drops NULs, not to the detectors).
 * - In the legacy charsets, where any byte spells something, text with C0 controls that text does
 *   not use is refused as binary: otherwise a compressed body declared `charset=latin1` would pass
 *   as text, and a client could re-encode it to the compressed bytes.
 *
 * Errors never quote the body.
 */
export function decodeText(bytes: Uint8Array, declared: string | undefined): CharsetDecoding {
  const bom = BOMS.find((candidate) => candidate.bytes.every((byte, i) => bytes[i] === byte));
  if (bom !== undefined) return checked(decodeAs(bom.charset, bytes.subarray(bom.bytes.length), false));
  const label = declared?.trim().toLowerCase();
  if (label === undefined || label === '') {
    const evidence = wideEvidence(bytes);
    return checked(decodeAs(evidence ?? 'utf-8', bytes, evidence !== undefined));
  }
  const utf32 = UTF32_LABELS.get(label);
  if (utf32 === 'utf-32') {
    const evidence = evidenceOf(bytes, 'utf-32');
    return checked(decodeAs(evidence ?? 'utf-32be', bytes, evidence !== undefined));
  }
  if (utf32 !== undefined) return checked(decodeAs(utf32, bytes, false));
  let charset: string;
  try {
    charset = new TextDecoder(label).encoding;
  } catch {
    return { ok: false, message: `charset ${nameForMessage(label)} is not supported` };
  }
  if (charset === 'utf-16le' || charset === 'utf-16be') {
    const evidence = evidenceOf(bytes, 'utf-16');
    // "utf-16" (and its aliases ucs-2, unicode, ...) leaves the byte order to the content; WHATWG
    // then says little-endian.
    if (label !== 'utf-16le' && label !== 'utf-16be') return checked(decodeAs(evidence ?? 'utf-16le', bytes, evidence !== undefined));
    if (evidence !== undefined && evidence !== charset) return { ok: false, message: `body is ${evidence} text but is declared ${charset}` };
  }
  return checked(decodeAs(charset, bytes, false));
}

function checked(decoded: { readonly text: string | undefined; readonly charset: string; readonly byContent: boolean }): CharsetDecoding {
  const { text, charset, byContent } = decoded;
  if (text === undefined) return { ok: false, message: `body is not valid ${charset}` };
  if (text.includes('\0')) return { ok: false, message: `body decoded as ${charset} contains NUL characters (text in another encoding?)` };
  if (!UNICODE.has(charset) && BINARY_CONTROL.test(text)) return { ok: false, message: `body decoded as ${charset} contains control characters: binary data, not text` };
  return { ok: true, text, charset, byContent };
}

const UNICODE = new Set(['utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be']);

/** The text, or undefined when the bytes are not valid in the charset (a WHATWG name or utf-32le/be). */
function decodeAs(charset: string, bytes: Uint8Array, byContent: boolean): { text: string | undefined; charset: string; byContent: boolean } {
  return { text: decodeStrict(charset, bytes), charset, byContent };
}

function decodeStrict(charset: string, bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (charset) {
    case 'utf-8':
      // simdutf validation, then V8's decoder: faster than a fatal TextDecoder.
      return isUtf8(buffer) ? buffer.toString('utf8') : undefined;
    case 'utf-16le':
      return utf16(buffer);
    case 'utf-16be': {
      if (buffer.length % 2 !== 0) return undefined;
      return utf16(Buffer.from(buffer).swap16());
    }
    case 'utf-32le':
      return utf32(buffer, true);
    case 'utf-32be':
      return utf32(buffer, false);
    case 'windows-1252':
      return windows1252(buffer);
    default:
      // Every other WHATWG encoding is ASCII-compatible except ISO-2022-JP (whose escapes are ASCII).
      if (charset !== 'iso-2022-jp' && isAscii(buffer)) return buffer.toString('latin1');
      try {
        return new TextDecoder(charset, { fatal: true, ignoreBOM: true }).decode(buffer);
      } catch {
        return undefined;
      }
  }
}

/**
 * WHATWG index-windows-1252 for 0x80-0x9F (the rest is ISO-8859-1). Node 20.18.3+'s TextDecoder
 * decodes windows-1252 as ISO-8859-1 (nodejs/node#60888), and windows-1252 is what `latin1`,
 * `iso-8859-1` and `us-ascii` mean on the web.
 */
const WINDOWS_1252_C1 = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1 = /[\x80-\x9f]/g;

function windows1252(buffer: Buffer): string {
  const latin1 = buffer.toString('latin1');
  return latin1.replace(C1, (char) => WINDOWS_1252_C1[char.charCodeAt(0) - 0x80]!);
}

/** ES2024's String.prototype.isWellFormed (in Node 20; the build's lib is ES2023). */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** UTF-16LE, rejecting an odd length and unpaired surrogates (V8's own decoder accepts both). */
function utf16(buffer: Buffer): string | undefined {
  if (buffer.length % 2 !== 0) return undefined;
  const text = buffer.toString('utf16le');
  return (text as WellFormedCheck).isWellFormed() ? text : undefined;
}

/** UTF-32, rejecting a length not a multiple of 4, surrogate code points and anything above U+10FFFF. */
function utf32(bytes: Uint8Array, littleEndian: boolean): string | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  // Written as UTF-16LE bytes: at most two code units (four bytes) per four input bytes.
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    const codePoint = littleEndian
      ? (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0
      : ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
    if (codePoint < 0x10000) {
      out[length++] = codePoint & 0xff;
      out[length++] = codePoint >> 8;
    } else {
      const high = 0xd800 | ((codePoint - 0x10000) >> 10);
      const low = 0xdc00 | ((codePoint - 0x10000) & 0x3ff);
      out[length++] = high & 0xff;
      out[length++] = high >> 8;
      out[length++] = low & 0xff;
      out[length++] = low >> 8;
    }
  }
  return out.toString('utf16le', 0, length);
}

/** The UTF-16/32 encoding the NUL bytes of the body's start show, if any. */
export function wideEvidence(bytes: Uint8Array): Wide | undefined {
  return evidenceOf(bytes, 'utf-32') ?? evidenceOf(bytes, 'utf-16');
}

/**
 * Counts NULs per offset modulo 4 over the sample. UTF-32: the top byte of every code unit is 0
 * (nothing is above U+10FFFF) and, for BMP text, the next one too, while the lowest rarely is.
 * UTF-16: mostly-ASCII text has its NULs on one parity only. Thresholds are loose on purpose:
 * a wrong "no pattern" falls back to a decode that then refuses the NULs; a wrong pattern garbles
 * a body that has NULs in it anyway.
 */
function evidenceOf(bytes: Uint8Array, width: 'utf-16' | 'utf-32'): Wide | undefined {
  const sample = Math.min(bytes.length, SAMPLE_BYTES);
  if (width === 'utf-16') return sample >= 2 ? evidenceOf16(bytes, sample & ~1) : undefined;
  const length = sample & ~3;
  if (length === 0) return undefined;
  const nuls = [0, 0, 0, 0];
  for (let i = 0; i < length; i++) if (bytes[i] === 0) nuls[i & 3]!++;
  const units = length / 4;
  if (nuls[3] === units && nuls[2]! * 2 >= units && nuls[0]! * 2 < units) return 'utf-32le';
  if (nuls[0] === units && nuls[1]! * 2 >= units && nuls[3]! * 2 < units) return 'utf-32be';
  return undefined;
}

function evidenceOf16(bytes: Uint8Array, length: number): Wide | undefined {
  let even = 0;
  let odd = 0;
  for (let i = 0; i < length; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const units = length / 2;
  if (odd * 8 >= units && even * 8 <= odd) return 'utf-16le';
  if (even * 8 >= units && odd * 8 <= even) return 'utf-16be';
  return undefined;
}
