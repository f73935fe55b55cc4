import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpConnectionConfig } from '@portcullis/config';
import { parseBearer, type Logger } from '@portcullis/service-kit';
import type { Gatekeeper } from '../domain/gatekeeper.js';
import { refusal, type Refusal } from '../domain/refusal.js';
import { Stages } from '../domain/stages.js';
import type { MaskingProfiles } from '../grpc/masking-profiles.client.js';
import { maskHeaders, maskResponse } from '../domain/response-masking.js';
import { parseRoute } from './route.js';
import { reinterpretingHeader, reinterpretingParameter } from './headers.js';
import { writeRefusal } from './refusal.http.js';
import type { UpstreamForwarder } from './upstream.forwarder.js';

export interface HttpConnection {
  readonly config: HttpConnectionConfig;
  readonly forwarder: UpstreamForwarder;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Response headers that describe one hop; recomputed or dropped. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'proxy-authenticate', 'content-length', 'x-portcullis-request-id', 'x-portcullis-hold-id']);

/**
 * The HTTP proxy at /http/<connection>/…: one converter from HTTP into the gatekeeper and one
 * from its outcome back to HTTP. Order matters: the caller is authenticated before anything about
 * connections is revealed or any body is read; the body is read (bounded) before the decision so a
 * held request keeps it; the response is masked before its first byte leaves.
 */
export class HttpProxyHandler {
  constructor(
    /** Aborted (reason SHUTTING_DOWN) when the gateway stops: held requests are released. */
    private readonly shutdown: AbortSignal,
    private readonly gatekeeper: Gatekeeper,
    private readonly connections: ReadonlyMap<string, HttpConnection>,
    private readonly masking: MaskingProfiles,
    private readonly logger: Logger,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const stages = new Stages();
    const elapsedUs = () => Number(process.hrtime.bigint() - started) / 1000;
    const requestId = this.gatekeeper.newRequestId();
    const route = parseRoute(req.url ?? '');
    if (!route.ok) {
      writeRefusal(res, refusal(route.tooLong ? 'URI_TOO_LONG' : 'BAD_REQUEST', route.message), requestId);
      return;
    }
    const method = req.method ?? '';
    const known = this.connections.get(route.connection);
    const connectionName = known ? route.connection : '_unknown';
    const target = { http: { method, path: route.path } };

    // Refusals before a decision still leave a trace in the audit log.
    const refuseEarly = (reason: Refusal, principal?: Parameters<Gatekeeper['recordRefusedCaller']>[4]) => {
      const status = writeRefusal(res, reason, requestId);
      this.gatekeeper.recordRefusedCaller(requestId, connectionName, 'http', target, principal, reason, status, elapsedUs());
      this.logger.info({ requestId, connection: connectionName, principal: principal?.subject, code: reason.code, status, detail: reason.detail }, 'request refused');
    };

    const authn = await this.gatekeeper.authenticate(parseBearer(req.headers.authorization));
    stages.lap('authn');
    if (!authn.ok) return refuseEarly(authn.refusal);
    const principal = authn.principal;
    if (!known) return refuseEarly(refusal('UNKNOWN_CONNECTION', `no connection named "${route.connection}"`), principal);
    if (!METHODS.has(method)) return refuseEarly(refusal('BAD_REQUEST', `method ${method} is not supported`), principal);
    const override = reinterpretingHeader(req.headers);
    if (override) return refuseEarly(refusal('BAD_REQUEST', `header ${override} is not allowed: it would change the method or path after the policy decision`), principal);

    const body = await readBody(req, known.config.maxRequestBytes);
    if (!body.ok && body.gone) return refuseEarly(refusal('CALLER_GONE', 'the caller went away while sending the body'), principal);
    if (!body.ok) return refuseEarly(refusal('REQUEST_TOO_LARGE', `request body exceeds ${known.config.maxRequestBytes} bytes`), principal);
    const parameter = reinterpretingParameter(route.search, req.headers['content-type'], body.body);
    if (parameter) return refuseEarly(refusal('BAD_REQUEST', `parameter ${parameter} is not allowed: it would change the method after the policy decision`), principal);

    const callerGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) callerGone.abort();
    });
    const onShutdown = () => callerGone.abort(this.shutdown.reason);
    this.shutdown.addEventListener('abort', onShutdown, { once: true });
    if (this.shutdown.aborted) onShutdown(); // stopping began while this request was being read
    res.once('close', () => this.shutdown.removeEventListener('abort', onShutdown));

    const finish = (outcome: 'forwarded' | 'denied' | 'failed', status: number, extra: { refusal?: Refusal; masked?: Record<string, number>; responseBytes?: number } = {}) => {
      this.gatekeeper.complete(requestId, known.config.name, { outcome, status, durationUs: elapsedUs(), ...extra });
      this.logger.info({ requestId, connection: known.config.name, principal: principal.subject, method, path: route.path, status, outcome, code: extra.refusal?.code, detail: extra.refusal?.detail }, 'request completed');
    };

    const authz = await this.gatekeeper.authorize(requestId, known.config.name, principal, target, 'http', callerGone.signal, stages);
    const holdHeaders: Record<string, string> = authz.holdId ? { 'x-portcullis-hold-id': authz.holdId } : {};
    if (!authz.ok) {
      const status = writeRefusal(res, authz.refusal, requestId, holdHeaders);
      const denied = ['POLICY_DENIED', 'APPROVAL_DENIED', 'APPROVAL_EXPIRED'].includes(authz.refusal.code);
      return finish(denied ? 'denied' : 'failed', status, { refusal: authz.refusal });
    }

    // The caller may have left, or the gateway begun stopping, between the decision and now.
    if (callerGone.signal.aborted) {
      const reason = this.shutdown.aborted ? refusal('GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down') : refusal('CALLER_GONE', 'the caller went away');
      return finish('failed', writeRefusal(res, reason, requestId, holdHeaders), { refusal: reason });
    }
    const upstream = await known.forwarder.forward({
      method,
      path: route.path,
      search: route.search,
      headers: req.headers,
      body: body.body,
      requestId,
      clientAddress: req.socket.remoteAddress ?? '',
    });
    stages.lap('upstream');
    if (!upstream.ok) {
      const reason = refusal(upstream.code, upstream.message);
      return finish('failed', writeRefusal(res, reason, requestId, holdHeaders), { refusal: reason });
    }

    let responseBody = upstream.body;
    let masked: Record<string, number> = {};
    const profiles = authz.decision.maskingProfiles;
    if (profiles.length > 0 && responseBody.length > 0) {
      const outcome = maskResponse(
        this.masking.profiles,
        profiles,
        String(upstream.headers['content-type'] ?? ''),
        String(upstream.headers['content-encoding'] ?? 'identity').toLowerCase(),
        responseBody,
      );
      stages.lap('mask');
      // Fail closed: nothing of an unmasked body leaves the gateway.
      if (!outcome.ok) return finish('failed', writeRefusal(res, outcome.refusal, requestId, holdHeaders), { refusal: outcome.refusal });
      responseBody = outcome.body;
      masked = { ...outcome.findings };
    }

    let headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (!DROP_RESPONSE.has(name) && value !== undefined) headers[name] = value;
    }
    if (profiles.length > 0) {
      // Every profile was found when the body was masked (or the body was empty and it is checked here).
      if (profiles.some((p) => !this.masking.profiles.has(p))) {
        const reason = refusal('MASKING_FAILED', 'a masking profile of this request is not available');
        return finish('failed', writeRefusal(res, reason, requestId, holdHeaders), { refusal: reason });
      }
      const maskedHeaders = maskHeaders(this.masking.profiles, profiles, headers);
      headers = maskedHeaders.headers;
      if (maskedHeaders.findings > 0) masked = { ...masked, header: maskedHeaders.findings };
    }
    // No length where there is no body (RFC 9110): HEAD answers, 204 and 304.
    if (method !== 'HEAD' && upstream.status !== 204 && upstream.status !== 304) headers['content-length'] = String(responseBody.length);
    headers['x-portcullis-request-id'] = requestId;
    headers['server-timing'] = stages.header();
    Object.assign(headers, holdHeaders);
    res.writeHead(upstream.status, headers);
    res.end(method === 'HEAD' ? undefined : responseBody);
    finish('forwarded', upstream.status, { masked, responseBytes: responseBody.length });
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<{ ok: true; body: Buffer } | { ok: false; gone?: true }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return { ok: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        req.resume();
        return { ok: false };
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return { ok: false, gone: true }; // the caller aborted mid-body
  }
  return { ok: true, body: Buffer.concat(chunks) };
}
