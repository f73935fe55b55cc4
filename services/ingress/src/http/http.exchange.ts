import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { eventStreamMasker, MaskingError, nameForMessage, parseContentType, type MaskingProfile } from '@portcullis/detectors';
import type { HttpConnectionConfig } from '@portcullis/config';
import type { HttpTarget } from '@portcullis/request-model';
import { MIN_BODY_BYTES_PER_SECOND, readRequestBody } from './body-reader.js';
import type { BodyBudget, Delivery, Described, Exchange, Forwarded, Masked, Reply, ResponseInfo } from '../domain/exchange.js';
import type { ProtocolStatus } from '../domain/events.js';
import { refusal, type Refusal } from '../domain/refusal.js';
import { decisionHeaders, reinterpretingHeader, reinterpretingParameter } from './headers.js';
import { maskBody, maskerFor, maskHeaders, refusalCodeOf, sha256DigestField, type Counts } from './http-masking.js';
import { writeRefusal } from './refusal.http.js';
import { contentCodings, isEventStream, upstreamReplyHeaders, withoutUnmaskedDescriptors, type ReplyHeaders } from './response-headers.js';
import { decodedStream, relay, STREAM_CODINGS, type ChunkMasker } from './response-stream.js';
import type { ReadAs, UpstreamForwarder } from './upstream.forwarder.js';

export interface HttpConnection {
  readonly config: HttpConnectionConfig;
  readonly forwarder: UpstreamForwarder;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The body of an answer: read whole (bounded), or a stream relayed as it arrives (Server-Sent Events). */
type Content = { readonly kind: 'buffered'; body: Buffer } | { readonly kind: 'stream'; stream: Readable; masker?: ChunkMasker & { readonly findings: Readonly<Counts> } };

/**
 * An upstream's answer. A buffered one is masked whole before its first byte leaves; a stream is
 * masked event by event as it is relayed (`respond`). Masking (`mask`) also masks the headers,
 * drops what describes the unmasked bytes (validators, digests, ranges, coding) and sends the body
 * identity-coded.
 */
export class HttpReply implements Reply {
  /** The upstream's Content-Length, passed back for an unmasked HEAD (it describes the GET's body). */
  private declaredLength: string | undefined;
  private masked = false;

  constructor(
    readonly status: number,
    public headers: ReplyHeaders,
    readonly content: Content,
    private readonly source: { readonly method: string; readonly contentLength: string | undefined; readonly maxBytes: number },
  ) {
    this.declaredLength = source.contentLength;
  }

  mask(profile: MaskingProfile): Masked {
    const compiled = maskerFor(profile);
    if (!compiled.ok) return compiled;
    const masker = compiled.masker;
    const contentType = String(this.headers['content-type'] ?? '');
    const codings = contentCodings(this.headers['content-encoding']);
    const findings: Counts = {};
    const described = withoutUnmaskedDescriptors(this.headers);
    let headers = described.headers;
    const content = this.content;
    if (content.kind === 'stream') {
      const unsupported = codings.find((coding) => !STREAM_CODINGS.has(coding));
      if (unsupported !== undefined) return fail(refusal('RESPONSE_NOT_MASKABLE', `the upstream sent an event stream in content-encoding ${nameForMessage(unsupported)}, which cannot be decoded (gzip, deflate, br)`));
      // An event stream is UTF-8 (WHATWG HTML); one declared otherwise is refused before it begins,
      // rather than cut off at its first event.
      const charset = parseContentType(contentType)?.charset;
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        return fail(refusal('RESPONSE_NOT_MASKABLE', `the upstream sent an event stream declared as charset ${nameForMessage(charset)}; event streams are UTF-8`));
      }
      content.stream = decodedStream(content.stream, codings);
      content.masker = eventStreamMasker(masker, { maxEventBytes: this.source.maxBytes });
    } else if (content.body.length > 0) {
      const body = maskBody(masker, content.body, { contentType, contentEncoding: codings.join(', ') || 'identity', maxBytes: this.source.maxBytes });
      if (!body.ok) return body;
      content.body = body.body;
      if (body.contentType !== '') headers = { ...headers, 'content-type': body.contentType };
      for (const [kind, count] of Object.entries(body.findings)) findings[kind] = (findings[kind] ?? 0) + count;
      // RFC 9530: of the bytes sent (identity-coded, a whole representation, so both are the same).
      for (const name of described.digests) headers[name] = sha256DigestField(content.body);
    }
    const maskedHeaders = maskHeaders(masker, headers, findings);
    if (!maskedHeaders.ok) return maskedHeaders;
    this.headers = maskedHeaders.headers;
    this.masked = true;
    this.declaredLength = undefined;
    return { ok: true, findings };
  }

  /** The Content-Length to send: the bytes sent, none where there is no body (HEAD, 204, 304) or the body is chunked (a stream). */
  contentLength(): string | undefined {
    if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) return undefined;
    if (this.source.method === 'HEAD') return this.masked ? undefined : this.declaredLength;
    return this.content.kind === 'buffered' ? String(this.content.body.length) : undefined;
  }
}

/**
 * One request to `/http/<connection>/…`, translated for the flow: the method, canonical path, query
 * and the connection's decision headers are the target; the body is read (bounded) when the flow
 * asks, so a held request keeps it; what is forwarded is exactly what was described. This adapter
 * holds no sequencing of its own.
 */
export class HttpExchange implements Exchange<HttpReply> {
  readonly protocol = 'http' as const;
  readonly gone: AbortSignal;
  private body: Buffer = EMPTY;
  private budget: BodyBudget | undefined;
  /** A streamed answer not yet relayed: a refusal in its place stops it. */
  private unsent: Readable | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly connection: string,
    private readonly path: string,
    private readonly search: string,
    private readonly known: HttpConnection | undefined,
  ) {
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    this.gone = gone.signal;
  }

  async describe(budget: BodyBudget): Promise<Described> {
    const method = this.req.method ?? '';
    const limit = this.known!.config.maxRequestBytes;
    if (!METHODS.has(method)) return fail(refusal('BAD_REQUEST', `method ${method} is not supported`));
    const override = reinterpretingHeader(this.req.headers);
    if (override) return fail(refusal('BAD_REQUEST', `header ${override} is not allowed: it would change the method or path after the policy decision`));
    this.budget = budget;
    const body = await readRequestBody(this.req, limit, { budget });
    if (!body.ok && body.reason === 'over_budget') return fail(body.refusal);
    if (!body.ok && body.reason === 'gone') return fail(refusal('CALLER_GONE', 'the caller went away while sending the body'));
    if (!body.ok && body.reason === 'too_slow') return fail(refusal('REQUEST_TIMEOUT', `request body arrived slower than ${MIN_BODY_BYTES_PER_SECOND} bytes/s`));
    if (!body.ok) return fail(refusal('REQUEST_TOO_LARGE', `request body exceeds ${limit} bytes`));
    this.body = body.body;
    // A compressed body is looked at decompressed: the target will decompress it too.
    const inspected = decodedForInspection(this.req.headers['content-encoding'], body.body, limit);
    if (!inspected.ok) return fail(refusal('BAD_REQUEST', inspected.message));
    const parameter = reinterpretingParameter(this.search, this.req.headers['content-type'], inspected.body);
    if (parameter) return fail(refusal('BAD_REQUEST', `parameter ${parameter} is not allowed: it would change the method after the policy decision`));
    const target: HttpTarget = {
      kind: 'http',
      method,
      path: this.path,
      query: this.search.startsWith('?') ? this.search.slice(1) : this.search,
      headers: decisionHeaders(this.req.rawHeaders, this.known!.config.decisionHeaders),
    };
    return { ok: true, target };
  }

  async forward(info: { readonly requestId: string; readonly signal: AbortSignal; readonly masking?: MaskingProfile }): Promise<Forwarded<HttpReply>> {
    const method = this.req.method ?? '';
    const masked = info.masking !== undefined;
    const upstream = await this.known!.forwarder.forward({
      method,
      path: this.path,
      search: this.search,
      headers: this.req.headers,
      body: this.body,
      requestId: info.requestId,
      clientAddress: this.req.socket.remoteAddress ?? '',
      signal: info.signal,
      masked,
      readAs: (status, headers) => readAs(method, status, headers, masked),
    });
    // The body has been sent: it is not kept, so neither is its share of the caller's budget.
    this.body = EMPTY;
    this.budget?.release();
    if (!upstream.ok) return { ok: false, refusal: refusal(upstream.code, upstream.message) };
    const source = { method, contentLength: single(upstream.headers['content-length']), maxBytes: this.known!.config.maxResponseBytes };
    const headers = upstreamReplyHeaders(upstream.headers);
    if ('stream' in upstream) {
      // Read by respond; until then an error must not go unhandled (respond sees it again).
      upstream.stream.on('error', () => undefined);
      this.unsent = upstream.stream;
      return { ok: true, reply: new HttpReply(upstream.status, headers, { kind: 'stream', stream: upstream.stream }, source) };
    }
    return { ok: true, reply: new HttpReply(upstream.status, headers, { kind: 'buffered', body: upstream.body }, source) };
  }

  respond(reply: HttpReply, info: ResponseInfo): Delivery | Promise<Delivery> {
    const headers = { ...reply.headers };
    const length = reply.contentLength();
    if (length !== undefined) headers['content-length'] = length;
    headers['x-portcullis-request-id'] = info.requestId;
    if (info.stages) headers['server-timing'] = info.stages.header();
    if (info.holdId) headers['x-portcullis-hold-id'] = info.holdId;
    const content = reply.content;
    const head = this.req.method === 'HEAD';
    this.res.writeHead(reply.status, headers);
    if (content.kind === 'buffered') {
      this.res.end(head ? undefined : content.body);
      return { status: { http: reply.status }, bytes: head ? 0 : content.body.length, rows: 0 };
    }
    this.unsent = undefined;
    // The caller learns the stream has begun before its first event (EventSource opens on the head).
    this.res.flushHeaders();
    return this.relayStream(reply.status, content.stream, content.masker);
  }

  private async relayStream(status: number, stream: Readable, masker: (ChunkMasker & { readonly findings: Readonly<Counts> }) | undefined): Promise<Delivery> {
    const relayed = await relay(stream, this.res, masker);
    const delivered = { status: { http: status }, bytes: relayed.bytes, rows: 0, ...(masker ? { masked: { ...masker.findings } } : {}) };
    switch (relayed.end) {
      case 'complete':
      case 'gone':
        // An event stream ends when its caller closes it: that is its ordinary end, not a failure.
        return delivered;
      case 'unmaskable': {
        // A MaskingError says what (never quoting the event); anything else is the gateway's own failure.
        const error = relayed.error;
        const failure = error instanceof MaskingError ? refusal(refusalCodeOf(error.code), CUT_OFF, [], `${error.code}: ${error.message}`) : refusal('MASKING_FAILED', CUT_OFF, [], error instanceof Error ? error.name : undefined);
        return { ...delivered, failure };
      }
      case 'broken':
        return { ...delivered, failure: refusal('UPSTREAM_UNAVAILABLE', 'the upstream stream broke off before its end') };
    }
  }

  refuse(reason: Refusal, info: Partial<ResponseInfo>): ProtocolStatus {
    this.unsent?.destroy();
    this.unsent = undefined;
    return { http: writeRefusal(this.res, reason, info.requestId, info.holdId ? { 'x-portcullis-hold-id': info.holdId } : {}) };
  }
}

/**
 * How an answer is read. On a masked connection partial content is refused before its body is
 * read: a 206 (ranges are not forwarded, but an upstream may answer with one anyway) or any
 * Content-Range (a 416's `bytes *\/<length>` states the unmasked length). Event streams are relayed
 * as they arrive, masked or not (buffered, they would never end); everything else is read whole.
 */
function readAs(method: string, status: number, headers: IncomingHttpHeaders, masked: boolean): ReadAs {
  if (masked && (status === 206 || headers['content-range'] !== undefined)) {
    return { refuse: { code: 'RESPONSE_NOT_MASKABLE', message: `the upstream answered with partial content (${status}${headers['content-range'] !== undefined ? ', Content-Range' : ''}), which cannot be masked as a whole; ranges are not forwarded on a masked connection` } };
  }
  const bodiless = method === 'HEAD' || status === 204 || status === 304 || status < 200;
  return !bodiless && isEventStream(headers['content-type']) ? 'stream' : 'buffer';
}

const CUT_OFF = 'an event of the stream could not be masked, so the stream was cut off before it';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const EMPTY = Buffer.alloc(0);

/**
 * The request body with its Content-Encoding undone (gzip, deflate, br, in reverse order of
 * application), bounded by the connection's request limit, for inspection only: what is forwarded
 * is the body as sent. An encoding the gateway cannot undo is refused: a body it cannot read is a
 * body it cannot vouch for.
 */
function decodedForInspection(header: string | string[] | undefined, body: Buffer, limit: number): { ok: true; body: Buffer } | { ok: false; message: string } {
  const codings = String(header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let decoded = body;
  for (const coding of codings.reverse()) {
    try {
      if (coding === 'gzip' || coding === 'x-gzip') decoded = gunzipSync(decoded, { maxOutputLength: limit });
      // "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2); some clients send it raw.
      else if (coding === 'deflate') decoded = decoded[0] !== undefined && (decoded[0] & 0x0f) === 8 ? inflateSync(decoded, { maxOutputLength: limit }) : inflateRawSync(decoded, { maxOutputLength: limit });
      else if (coding === 'br') decoded = brotliDecompressSync(decoded, { maxOutputLength: limit });
      else return { ok: false, message: `request content-encoding ${nameForMessage(coding)} is not supported (gzip, deflate, br)` };
    } catch {
      return { ok: false, message: `request body is not valid ${coding}, or decompresses beyond ${limit} bytes` };
    }
  }
  return { ok: true, body: decoded };
}

function fail(reason: Refusal): { readonly ok: false; readonly refusal: Refusal } {
  return { ok: false, refusal: reason };
}

