import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Headers that make a target re-interpret the method or the path after policy decided on them
 * (method-override middleware, IIS/Symfony URL rewriting). A request carrying one is refused:
 * silently stripping it could change what the caller's client expects, refusing says why.
 */
const REINTERPRETING = ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-rewrite-url', 'x-original-method', 'x-forwarded-prefix'];

/** Hop-by-hop headers (RFC 9110 §7.6.1) and what the gateway itself sets. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy-authorization', 'host', 'content-length', 'accept-encoding']);

/** Caller credentials and headers a target may trust for the client's identity or address. */
const SPOOFABLE = new Set(['authorization', 'cookie', 'forwarded', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip', 'x-cluster-client-ip', 'client-ip', 'fastly-client-ip']);

export function reinterpretingHeader(headers: IncomingHttpHeaders): string | undefined {
  return REINTERPRETING.find((name) => headers[name] !== undefined);
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
    if (value === undefined || HOP_BY_HOP.has(name) || SPOOFABLE.has(name) || nominated.has(name)) continue;
    if (name.startsWith('x-forwarded-') || name.startsWith('x-portcullis-')) continue;
    out[name] = value;
  }
  return out;
}
