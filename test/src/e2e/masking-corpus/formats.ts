import type { EvasionCase, ExpectedRefusal, IntegrityHeader, Planted, PrecisionCase, Served } from './corpus.types.js';
import { codingName, compressAll, encodeText, type Charset, type Coding } from './encode.js';

// Documents of each format around a value, and the Served answer for them (charset, coding,
// headers). The words around values hold no digits, so digits a check finds are the value's.

/** A document before it is encoded: the media type (no parameters) and its text. */
export interface Doc {
  readonly format: string;
  readonly mediaType: string;
  readonly text: string;
}

export const text = (value: string): Doc => ({ format: 'text/plain', mediaType: 'text/plain', text: `Support ticket\nThe customer wrote: ${value}\nPlease follow up.\n` });

/** Plain text as given, nothing around it (a log, a config file). */
export const rawText = (body: string, mediaType = 'text/plain'): Doc => ({ format: mediaType, mediaType, text: body });

/** A JSON document holding the value as a string (JSON.stringify escapes only what it must). */
export const json = (value: string, key = 'note'): Doc => ({ format: 'application/json', mediaType: 'application/json', text: `{"ticket":{"id":"t-abc","status":"open","${key}":${JSON.stringify(value)}}}` });

/** A JSON document written by hand (escapes, numbers, keys exactly as given). */
export const rawJson = (body: string, mediaType = 'application/json'): Doc => ({ format: mediaType, mediaType, text: body });

export const ndjson = (value: string): Doc => ({
  format: 'application/x-ndjson',
  mediaType: 'application/x-ndjson',
  text: `{"event":"opened","by":"agent"}\n{"event":"note","text":${JSON.stringify(value)}}\n{"event":"closed","by":"agent"}\n`,
});

export const rawNdjson = (body: string): Doc => ({ format: 'application/x-ndjson', mediaType: 'application/x-ndjson', text: body });

/** An event stream of whole events (each ends with a blank line), written by hand. */
export const sse = (body: string): Doc => ({ format: 'text/event-stream', mediaType: 'text/event-stream', text: body });

export const sseData = (value: string) => sse(`event: status\ndata: connected\n\nevent: note\ndata: ${value}\n\nevent: status\ndata: done\n\n`);

/** An HTML page with `inner` (already HTML: entities, tags as given) in a paragraph. */
export const html = (inner: string): Doc => ({
  format: 'text/html',
  mediaType: 'text/html',
  text: `<!DOCTYPE html>\n<html><head><title>Account</title></head>\n<body><h1>Account</h1>\n<p>${inner}</p>\n</body></html>\n`,
});

export const rawHtml = (body: string): Doc => ({ format: 'text/html', mediaType: 'text/html', text: body });

export const xml = (inner: string, mediaType = 'application/xml'): Doc => ({ format: mediaType, mediaType, text: `<?xml version="1.0" encoding="UTF-8"?>\n<account><owner>Jane</owner>${inner}</account>\n` });

/** A form body from pairs already encoded as the case wants them. */
export const form = (body: string): Doc => ({ format: 'application/x-www-form-urlencoded', mediaType: 'application/x-www-form-urlencoded', text: body });

export interface ServeOptions {
  /** How the text is encoded (default UTF-8). */
  readonly charset?: Charset;
  /** The charset parameter to declare: a label, or null for none (default: the charset's own name). */
  readonly declare?: string | null;
  /** Content-Encoding, applied in order. */
  readonly codings?: readonly Coding[];
  /** The Content-Encoding header as sent, when it should differ from the codings applied. */
  readonly encodingHeader?: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly status?: number;
  readonly splitAt?: readonly number[];
  readonly chunked?: boolean;
  readonly integrity?: readonly IntegrityHeader[];
  readonly etag?: boolean;
  readonly ranges?: boolean;
  readonly force206?: Served['force206'];
  readonly trailers?: Served['trailers'];
  readonly earlyHints?: Served['earlyHints'];
  /** No Content-Type header at all. */
  readonly noContentType?: boolean;
  /** Bytes to use instead of the encoded text (invalid bytes, a bomb). */
  readonly bytes?: Buffer;
}

const DECLARED: Record<Charset, string | null> = {
  'utf-8': 'utf-8',
  'utf-8-bom': 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'utf-16le-bom': 'utf-16',
  'utf-16be-bom': 'utf-16',
  'utf-32le': 'utf-32le',
  'utf-32be': 'utf-32be',
  'utf-32le-bom': 'utf-32',
  'utf-32be-bom': 'utf-32',
  'windows-1252': 'windows-1252',
  latin1: 'iso-8859-1',
};

export function serve(doc: Doc, options: ServeOptions = {}): Served {
  const charset = options.charset ?? 'utf-8';
  const plain = options.bytes ?? encodeText(doc.text, charset);
  const declared = options.declare === undefined ? DECLARED[charset] : options.declare;
  const contentType = declared === null ? doc.mediaType : `${doc.mediaType}; charset=${declared}`;
  const codings = options.codings ?? [];
  const body = compressAll(plain, codings);
  const headers: (readonly [string, string])[] = options.noContentType ? [] : [['Content-Type', contentType]];
  const encodingHeader = options.encodingHeader ?? (codings.length ? codings.map(codingName).join(', ') : undefined);
  if (encodingHeader) headers.push(['Content-Encoding', encodingHeader]);
  headers.push(...(options.headers ?? []));
  const stream = doc.mediaType === 'text/event-stream';
  return {
    headers,
    body,
    ...(codings.length ? { plain } : {}),
    ...(options.status ? { status: options.status } : {}),
    // An event stream goes out event by event (when not compressed: then it is cut anywhere).
    ...(options.splitAt ? { splitAt: options.splitAt } : stream ? { splitAt: eventEnds(body) } : {}),
    ...(options.chunked || stream || options.trailers ? { chunked: true } : {}),
    ...(options.trailers ? { trailers: options.trailers } : {}),
    ...(options.earlyHints ? { earlyHints: options.earlyHints } : {}),
    ...(options.integrity ? { integrity: options.integrity } : {}),
    ...(options.etag === false ? { etag: false } : {}),
    ...(options.ranges === false ? { ranges: false } : {}),
    ...(options.force206 ? { force206: options.force206 } : {}),
  };
}

/** Where the events of a stream end (at most 32 of them, spread out: each write is followed by a pause). */
function eventEnds(body: Buffer): number[] {
  const ends: number[] = [];
  for (let i = body.indexOf('\n\n'); i >= 0; i = body.indexOf('\n\n', i + 2)) if (i + 2 < body.length) ends.push(i + 2);
  const step = Math.ceil(ends.length / 32);
  return ends.filter((_, i) => i % step === 0 || i === ends.length - 1);
}

/** Byte offset of the middle of `needle` in the served body (where to cut a write). */
export function middleOf(doc: Doc, needle: string): number {
  const at = doc.text.indexOf(needle);
  if (at < 0) throw new Error('needle not in document');
  return Buffer.byteLength(doc.text.slice(0, at + (needle.length >> 1)));
}

export function formatName(doc: Doc, options: ServeOptions): string {
  const parts = [doc.format];
  if (options.charset && options.charset !== 'utf-8') parts.push(options.declare === null ? `${options.charset} (undeclared)` : options.charset);
  if (options.codings?.length) parts.push(options.codings.join('+'));
  return parts.join(' ');
}

export interface CaseOptions extends ServeOptions {
  readonly request?: Readonly<Record<string, string>>;
  readonly refusal?: ExpectedRefusal;
  readonly whole?: EvasionCase['whole'];
  readonly format?: string;
}

export function evasion(id: string, klass: string, planted: Planted | readonly Planted[], doc: Doc, options: CaseOptions = {}): EvasionCase {
  return {
    id,
    klass,
    format: options.format ?? formatName(doc, options),
    planted: Array.isArray(planted) ? planted : [planted as Planted],
    served: serve(doc, options),
    ...(options.request ? { request: options.request } : {}),
    ...(options.refusal ? { refusal: options.refusal } : {}),
    ...(options.whole ? { whole: options.whole } : {}),
  };
}

export function precision(id: string, klass: string, doc: Doc, options: ServeOptions = {}): PrecisionCase {
  return { id, klass, format: formatName(doc, options), served: serve(doc, options), text: doc.text };
}

/** The refusal for a body the gateway cannot read: allowed, never required. */
export const MAY_REFUSE_UNREADABLE: ExpectedRefusal = { allowed: [[502, 'RESPONSE_NOT_MASKABLE']] };
