import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { HttpHeader } from '@portcullis/request-model';

/**
 * Headers that make a target re-interpret the method or the path after policy decided on them
 * (method-override middleware, IIS/Symfony URL rewriting). A request carrying one is refused:
 * silently stripping it could change what the caller's client expects, refusing says why.
 */
const REINTERPRETING = ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method'];

/** Request parameters with the same effect (Laravel, Symfony, Rails/Rack `_method`). */
const METHOD_PARAMETER = '_method';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and what the gateway itself sets. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy-authorization', 'host', 'content-length', 'accept-encoding']);

/**
 * Caller credentials, headers a target may trust for the client's identity or address, URL rewrites
 * (IIS/Symfony), `Proxy` (httpoxy: HTTP_PROXY in CGI upstreams), and headers that only make sense
 * between the caller and the gateway.
 */
const SPOOFABLE = new Set([
  'authorization',
  'cookie',
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'cf-connecting-ip',
  'x-cluster-client-ip',
  'client-ip',
  'fastly-client-ip',
  'x-original-url',
  'x-rewrite-url',
  'x-original-forwarded-for',
  'proxy',
  'accept-charset',
  'expect',
  'via',
  'max-forwards',
]);

export function reinterpretingHeader(headers: IncomingHttpHeaders): string | undefined {
  return REINTERPRETING.find((name) => headers[name] !== undefined);
}

/** A `_method` parameter in the query string or a form body, if any (any case). */
export function reinterpretingParameter(search: string, contentType: string | undefined, body: Buffer): string | undefined {
  const inQuery = [...new URLSearchParams(search).keys()].some((key) => key.toLowerCase() === METHOD_PARAMETER);
  if (inQuery) return `${METHOD_PARAMETER} (query)`;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && [...new URLSearchParams(body.toString('latin1')).keys()].some((key) => key.toLowerCase() === METHOD_PARAMETER)) {
    return `${METHOD_PARAMETER} (form)`;
  }
  if (type === 'multipart/form-data' && /name\s*=\s*"?_method"?/i.test(body.toString('latin1'))) return `${METHOD_PARAMETER} (form)`;
  return undefined;
}

/**
 * The caller's headers that may reach the target: end-to-end headers only, minus credentials,
 * client-address claims, anything prefixed x-forwarded- or x-portcullis-, and every header the
 * caller named in Connection.
 */
export function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const nominated = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    // Names with '_' are dropped: CGI-style upstreams read X_HTTP_METHOD_OVERRIDE as X-HTTP-Method-Override.
    if (value === undefined || name.includes('_') || HOP_BY_HOP.has(name) || SPOOFABLE.has(name) || nominated.has(name)) continue;
    if (name.startsWith('x-forwarded-') || name.startsWith('x-portcullis-')) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The request's headers named in `names` (the connection's decision headers, lowercase), in
 * request order with duplicates kept, from Node's raw name/value list. Config refuses credential
 * headers as decision headers, so none can be picked here.
 */
export function decisionHeaders(rawHeaders: readonly string[], names: readonly string[]): HttpHeader[] {
  const picked: HttpHeader[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (names.includes(name)) picked.push({ name, value: rawHeaders[i + 1]! });
  }
  return picked;
}
