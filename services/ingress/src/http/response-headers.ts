import type { IncomingHttpHeaders } from 'node:http';

/** Response headers that describe one hop, or that the gateway sets itself: never passed back. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-authenticate', 'content-length', 'x-portcullis-request-id', 'x-portcullis-hold-id']);

/**
 * What an upstream says about the bytes it sent, which a masked reply no longer is: validators and
 * digests of the unmasked body (ETag, Digest, Content-MD5, Content-Digest, Repr-Digest), requests
 * for digests, ranges of it (Accept-Ranges, Content-Range) and its coding (masked bodies go out
 * identity-coded). Content-Digest and Repr-Digest are recomputed over the masked body when the
 * upstream sent them and the body is known before it is sent (not for streams or HEAD).
 */
const UNMASKED_DESCRIPTORS = ['etag', 'digest', 'content-md5', 'content-digest', 'repr-digest', 'want-digest', 'want-content-digest', 'want-repr-digest', 'accept-ranges', 'content-range', 'content-encoding'];
export const RECOMPUTED_DIGESTS = ['content-digest', 'repr-digest'] as const;

/**
 * Response headers whose values must reach the caller byte-exact (framing, caching and dates a
 * client parses): they are scanned like every other header, and a reply where one of them holds
 * a value the profile masks is refused rather than rewritten. Every other header (Set-Cookie,
 * Location, Link, Content-Disposition, any X- header) is masked.
 */
export const BYTE_EXACT = new Set(['content-type', 'date', 'cache-control', 'expires', 'last-modified', 'age', 'vary', 'pragma', 'retry-after', 'content-language']);

export type ReplyHeaders = Record<string, string | string[]>;

/** The upstream's end-to-end response headers, as the gateway may pass them back. */
export function upstreamReplyHeaders(headers: IncomingHttpHeaders): ReplyHeaders {
  const out: ReplyHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

/** A masked reply's headers: without what describes the unmasked bytes; which digests the upstream sent, to recompute. */
export function withoutUnmaskedDescriptors(headers: ReplyHeaders): { readonly headers: ReplyHeaders; readonly digests: readonly (typeof RECOMPUTED_DIGESTS)[number][] } {
  const out: ReplyHeaders = { ...headers };
  for (const name of UNMASKED_DESCRIPTORS) delete out[name];
  return { headers: out, digests: RECOMPUTED_DIGESTS.filter((name) => headers[name] !== undefined) };
}

/**
 * The content codings of a Content-Encoding header in the order they were applied (so they are
 * undone last to first), lower-case, without `identity`.
 */
export function contentCodings(header: string | string[] | undefined): string[] {
  return String(header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

/** Whether a response is a Server-Sent Events stream (`text/event-stream`, any parameters). */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  if (value === undefined) return false;
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === 'text/event-stream';
}
