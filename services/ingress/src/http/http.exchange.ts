import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { MIN_BODY_BYTES_PER_SECOND, readRequestBody } from './body-reader.js';
import type { MaskingProfile } from '@portcullis/detectors';
import type { HttpConnectionConfig } from '@portcullis/config';
import type { HttpTarget } from '@portcullis/request-model';
import type { BodyBudget, Delivery, Described, Exchange, Forwarded, Masked, Reply, ResponseInfo } from '../domain/exchange.js';
import type { ProtocolStatus } from '../domain/events.js';
import { refusal, type Refusal } from '../domain/refusal.js';
import { decisionHeaders, reinterpretingHeader, reinterpretingParameter } from './headers.js';
import { maskBody, maskHeaders } from './http-masking.js';
import { writeRefusal } from './refusal.http.js';
import type { UpstreamForwarder } from './upstream.forwarder.js';

export interface HttpConnection {
  readonly config: HttpConnectionConfig;
  readonly forwarder: UpstreamForwarder;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Response headers that describe one hop; recomputed or dropped. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-authenticate', 'content-length', 'x-portcullis-request-id', 'x-portcullis-hold-id']);

/** An upstream's answer, buffered (bounded) so that it is masked before its first byte leaves. */
export class HttpReply implements Reply {
  constructor(
    readonly status: number,
    public headers: Record<string, string | string[]>,
    public body: Buffer,
    private readonly contentType: string,
    private readonly contentEncoding: string,
    /** The connection's response limit, which bounds the body decoded too. */
    private readonly maxBytes: number,
  ) {}

  mask(profile: MaskingProfile): Masked {
    let findings: Record<string, number> = {};
    if (this.body.length > 0) {
      const outcome = maskBody(profile, this.contentType, this.contentEncoding, this.body, this.maxBytes);
      if (!outcome.ok) return outcome;
      this.body = outcome.body;
      // The masked body is identity-coded UTF-8.
      delete this.headers['content-encoding'];
      if (outcome.contentType !== '') this.headers['content-type'] = outcome.contentType;
      findings = { ...outcome.findings };
    }
    const masked = maskHeaders(profile, this.headers);
    this.headers = masked.headers;
    if (masked.findings > 0) findings.header = masked.findings;
    return { ok: true, findings };
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

  async forward(info: { readonly requestId: string; readonly signal: AbortSignal }): Promise<Forwarded<HttpReply>> {
    const upstream = await this.known!.forwarder.forward({
      method: this.req.method ?? '',
      path: this.path,
      search: this.search,
      headers: this.req.headers,
      body: this.body,
      requestId: info.requestId,
      clientAddress: this.req.socket.remoteAddress ?? '',
      signal: info.signal,
    });
    if (!upstream.ok) return { ok: false, refusal: refusal(upstream.code, upstream.message) };
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (!DROP_RESPONSE.has(name) && value !== undefined) headers[name] = value;
    }
    const encoding = String(upstream.headers['content-encoding'] ?? 'identity').toLowerCase();
    return { ok: true, reply: new HttpReply(upstream.status, headers, upstream.body, String(upstream.headers['content-type'] ?? ''), encoding, this.known!.config.maxResponseBytes) };
  }

  respond(reply: HttpReply, info: ResponseInfo): Delivery {
    const headers = reply.headers;
    const head = this.req.method === 'HEAD';
    // No length where there is no body (RFC 9110): HEAD answers, 204 and 304.
    if (!head && reply.status !== 204 && reply.status !== 304) headers['content-length'] = String(reply.body.length);
    headers['x-portcullis-request-id'] = info.requestId;
    if (info.stages) headers['server-timing'] = info.stages.header();
    if (info.holdId) headers['x-portcullis-hold-id'] = info.holdId;
    this.res.writeHead(reply.status, headers);
    this.res.end(head ? undefined : reply.body);
    return { status: { http: reply.status }, bytes: reply.body.length, rows: 0 };
  }

  refuse(reason: Refusal, info: Partial<ResponseInfo>): ProtocolStatus {
    return { http: writeRefusal(this.res, reason, info.requestId, info.holdId ? { 'x-portcullis-hold-id': info.holdId } : {}) };
  }
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
      else return { ok: false, message: `request content-encoding ${JSON.stringify(coding.slice(0, 40))} is not supported (gzip, deflate, br)` };
    } catch {
      return { ok: false, message: `request body is not valid ${coding}, or decompresses beyond ${limit} bytes` };
    }
  }
  return { ok: true, body: decoded };
}

function fail(reason: Refusal): Described {
  return { ok: false, refusal: reason };
}

