import http from 'node:http';
import https from 'node:https';
import type { HttpConnectionConfig } from '@portcullis/config';
import { forwardableHeaders, withoutContentOracles } from './headers.js';

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly search: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
  readonly clientAddress: string;
  /** Aborts the upstream call when the caller goes away; for a streamed answer, until it ends. */
  readonly signal?: AbortSignal;
  /** The answer will be masked: nothing that asks about its unmasked bytes is forwarded (withoutContentOracles). */
  readonly masked?: boolean;
  /**
   * How to take the answer, decided on its status and headers before its body is read: read whole
   * (bounded by maxResponseBytes), handed back as a stream, or refused (its body never read).
   */
  readonly readAs?: (status: number, headers: http.IncomingHttpHeaders) => ReadAs;
}

export type ReadAs = 'buffer' | 'stream' | { readonly refuse: { readonly code: 'RESPONSE_NOT_MASKABLE'; readonly message: string } };

export type UpstreamFailureCode = 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT' | 'RESPONSE_TOO_LARGE' | 'RESPONSE_NOT_MASKABLE' | 'BAD_REQUEST';

export type UpstreamResult =
  | { readonly ok: true; readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: Buffer }
  /** A streamed answer: its body is read by whoever consumes `stream` (destroying it ends the upstream call). */
  | { readonly ok: true; readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly stream: http.IncomingMessage }
  | { readonly ok: false; readonly code: UpstreamFailureCode; readonly message: string };

/**
 * Forwards an admitted request to a connection's upstream with the credential only the gateway
 * holds. The caller's Authorization header is removed before the credential is set, so the caller's
 * token can never reach the target. Responses are read whole (bounded) because they are masked
 * before the first byte goes back — except those `readAs` streams (Server-Sent Events), which
 * are handed back as they arrive, without the upstream timeout (a stream may be quiet for long).
 */
export class UpstreamForwarder {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly credentialHeader?: { name: string; value: string };

  constructor(
    private readonly connection: HttpConnectionConfig,
    credential: string | undefined,
  ) {
    this.base = new URL(connection.upstream);
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 });
    if (connection.credential && credential !== undefined) {
      const scheme = connection.credential.scheme;
      this.credentialHeader = { name: connection.credential.header.toLowerCase(), value: scheme ? `${scheme} ${credential}` : credential };
    }
  }

  forward(request: UpstreamRequest): Promise<UpstreamResult> {
    let headers = forwardableHeaders(request.headers);
    if (request.masked) {
      const stripped = withoutContentOracles(headers, request.method);
      if (!stripped.ok) return Promise.resolve({ ok: false, code: 'BAD_REQUEST', message: `header ${stripped.header} is not forwarded on a masked connection (it compares entity tags of the unmasked response), and a ${request.method} without it would no longer be conditional` });
      headers = stripped.headers;
    }
    if (this.credentialHeader) headers[this.credentialHeader.name] = this.credentialHeader.value;
    headers['accept-encoding'] = 'identity'; // bodies must be readable to be masked (those compressed anyway are decoded)
    headers['x-forwarded-for'] = request.clientAddress;
    headers['x-portcullis-request-id'] = request.requestId;
    // Always framed by length: never chunked, and an empty POST says so.
    if (request.body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(request.method)) headers['content-length'] = request.body.length;

    const basePath = this.base.pathname.replace(/\/$/, '');
    const client = this.base.protocol === 'https:' ? https : http;
    const limit = this.connection.maxResponseBytes;

    return new Promise((resolve) => {
      const req = client.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          method: request.method,
          path: `${basePath}${request.path}${request.search}`,
          headers,
          agent: this.agent,
          timeout: this.connection.timeout,
          ...(request.signal ? { signal: request.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 502;
          const readAs = request.readAs?.(status, res.headers) ?? 'buffer';
          if (readAs === 'stream') {
            req.setTimeout(0);
            resolve({ ok: true, status, headers: res.headers, stream: res });
            return;
          }
          if (readAs !== 'buffer') {
            res.destroy();
            resolve({ ok: false, ...readAs.refuse });
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) {
              res.destroy();
              resolve({ ok: false, code: 'RESPONSE_TOO_LARGE', message: `upstream response exceeds ${limit} bytes` });
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ ok: true, status, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (err) => resolve({ ok: false, code: 'UPSTREAM_UNAVAILABLE', message: `upstream response failed: ${err.message}` }));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve({ ok: false, code: 'UPSTREAM_TIMEOUT', message: `upstream did not answer within ${this.connection.timeout} ms` });
      });
      req.on('error', (err) => resolve({ ok: false, code: 'UPSTREAM_UNAVAILABLE', message: `upstream unreachable: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
      req.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
