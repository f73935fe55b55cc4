import { isUtf8 } from 'node:buffer';
import { decodeText } from './charset.js';
import { compressedFormatOf, decodeContentCoding } from './content-coding.js';
import { parseContentType, withCharset, type ContentType } from './content-type.js';
import { eventStreamMasker } from './event-stream.js';
import type { Findings } from './findings.js';
import { MaskingError, type MaskingErrorCode } from './masking-error.js';
import type { ValueMasker } from './value-masker.js';

/** How a response body is encoded, as its headers say, and how large it may decode. */
export interface BodyMaskingOptions {
  /** The response's Content-Type header as sent. */
  readonly contentType: string | undefined;
  /** The response's Content-Encoding header as sent (may list several codings). */
  readonly contentEncoding: string | undefined;
  /** Largest decoded body accepted (the decompression bomb bound). */
  readonly maxBytes: number;
}

export const MASK_BYTES_FAILURES = ['UNSUPPORTED_CONTENT_TYPE', 'UNSUPPORTED_ENCODING', 'INVALID_JSON', 'INVALID_ENCODING', 'TOO_LARGE', 'MASKING_FAILED'] as const;

export type MaskBytesFailure = (typeof MASK_BYTES_FAILURES)[number];

export type MaskBytesOutcome =
  | {
      readonly ok: true;
      /** Identity-coded (the caller drops Content-Encoding) and UTF-8 (without a BOM). */
      readonly body: Buffer;
      /** The Content-Type to send ('' when none was sent, for an empty body). */
      readonly contentType: string;
      readonly findings: Readonly<Record<string, number>>;
    }
  | { readonly ok: false; readonly code: MaskBytesFailure; readonly message: string };

/** What a MaskingError from the masker means for a body; any other code is MASKING_FAILED. */
const FAILURE_OF: Partial<Record<MaskingErrorCode, MaskBytesFailure>> = {
  UNSUPPORTED_CONTENT_TYPE: 'UNSUPPORTED_CONTENT_TYPE',
  INVALID_JSON: 'INVALID_JSON',
  INVALID_ENCODING: 'INVALID_ENCODING',
  TOO_LARGE: 'TOO_LARGE',
};

const UTF8_LABELS = new Set(['utf-8', 'utf8']);

/**
 * Masks a raw response body: the one entry point for every service that masks bytes (the masking
 * service's Mask call and the gateway's in-process path), so all fail closed the same way.
 *
 * The Content-Encoding is undone (content-coding.ts), the bytes are read in their charset
 * (charset.ts: declared, BOM, or detected; strictly), and the text is masked by its media type
 * (`text/event-stream` event by event, event-stream.ts; everything else by
 * ValueMasker.maskDocument). The result is sent as UTF-8, identity-coded: the Content-Type says
 * `charset=utf-8` whenever the body was in another charset or the type can carry a charset and
 * did not say it was UTF-8 (so no client reads the masked text in another charset, e.g. by an
 * HTML `<meta charset>`); a JSON type without a charset parameter is left as it was.
 *
 * Expected failures are values; nothing that could not be masked is ever returned, and no
 * message quotes the body.
 */
export function maskBytes(body: Uint8Array, options: BodyMaskingOptions, masker: ValueMasker): MaskBytesOutcome {
  if (body.length === 0) return empty(options.contentType);
  const type = parseContentType(options.contentType);
  // The header is not quoted: it comes from the upstream and could hold anything.
  if (type === undefined) return failure('UNSUPPORTED_CONTENT_TYPE', options.contentType === undefined ? 'the body has no content type' : 'the content type is malformed');
  const decoded = decodeContentCoding(body, options.contentEncoding, options.maxBytes);
  if (!decoded.ok) return decoded;
  if (decoded.body.length === 0) return empty(options.contentType);
  const compressed = compressedFormatOf(decoded.body);
  if (compressed !== undefined) return failure('INVALID_ENCODING', `body is ${compressed} data, which no content-encoding declares`);
  const findings: Findings = {};
  try {
    if (type.essence === 'text/event-stream') return maskEventStream(decoded.body, type, options, masker, findings);
    const text = decodeText(decoded.body, type.charset);
    if (!text.ok) return failure('INVALID_ENCODING', text.message);
    const masked = masker.maskDocument(text.text, type.essence, findings);
    if (text.byContent && readsOtherwiseAsUtf8(decoded.body, text.text, findings, masker)) {
      return failure('INVALID_ENCODING', `body reads as ${text.charset} by its NUL bytes and as UTF-8 text with NULs, and the detectors find more in the second reading`);
    }
    const unchanged = masked === text.text && text.charset === 'utf-8' && !hasUtf8Bom(decoded.body);
    return { ok: true, body: unchanged ? decoded.body : Buffer.from(masked, 'utf8'), contentType: contentTypeToSend(type, options.contentType!, text.charset), findings };
  } catch (err) {
    if (err instanceof MaskingError) return failure(FAILURE_OF[err.code] ?? 'MASKING_FAILED', err.message);
    // e.g. JSON nested too deeply to re-serialise: still a refusal, never a pass-through.
    return failure('MASKING_FAILED', 'the body could not be masked');
  }
}

/** A whole event stream (an SSE response buffered by the caller): always UTF-8, whatever its charset parameter says (WHATWG). */
function maskEventStream(body: Buffer, type: ContentType, options: BodyMaskingOptions, masker: ValueMasker, findings: Findings): MaskBytesOutcome {
  const stream = eventStreamMasker(masker, { maxEventBytes: options.maxBytes });
  const out = Buffer.concat([stream.push(body), stream.end()]);
  for (const [kind, count] of Object.entries(stream.findings)) findings[kind] = (findings[kind] ?? 0) + count;
  return { ok: true, body: out, contentType: contentTypeToSend(type, options.contentType!, 'utf-8'), findings };
}

/**
 * Bytes whose encoding was guessed from their NULs may be UTF-8 text with NULs in it, which a
 * client that drops NULs reads as plain text: "card 4\01\01\0..." read as UTF-16BE garbles the
 * first digit away. When the bytes are valid UTF-8, that reading (NULs dropped) must not show the
 * detectors more than the reading masked. Real UTF-16/32 ASCII text reads the same both ways.
 */
function readsOtherwiseAsUtf8(body: Buffer, text: string, findings: Findings, masker: ValueMasker): boolean {
  if (!isUtf8(body)) return false;
  const withoutNuls = Buffer.allocUnsafe(body.length);
  let length = 0;
  for (let i = 0; i < body.length; i++) if (body[i] !== 0) withoutNuls[length++] = body[i]!;
  const other = withoutNuls.toString('utf8', 0, length);
  if (other === text) return false;
  const found: Findings = {};
  masker.maskText(other, found);
  return Object.entries(found).some(([kind, count]) => count > (findings[kind] ?? 0));
}

function contentTypeToSend(type: ContentType, sent: string, decodedAs: string): string {
  const saysUtf8 = type.charset !== undefined && UTF8_LABELS.has(type.charset) && !type.charsetRepeated;
  if (saysUtf8 && decodedAs === 'utf-8') return sent;
  // JSON has no charset parameter (RFC 8259): UTF-8 is what it is without one.
  if (type.charset === undefined && type.essence.endsWith('json')) return sent;
  return withCharset(type, 'utf-8');
}

function hasUtf8Bom(body: Uint8Array): boolean {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
}

function empty(contentType: string | undefined): MaskBytesOutcome {
  return { ok: true, body: Buffer.alloc(0), contentType: contentType ?? '', findings: {} };
}

function failure(code: MaskBytesFailure, message: string): MaskBytesOutcome {
  return { ok: false, code, message };
}
