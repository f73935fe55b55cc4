import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { HttpHeader } from '@portcullis/request-model';

/**
 * Headers that make a target re-interpret the method or the path after policy decided on them
 * (method-override middleware, IIS/Symfony URL rewriting). A request carrying one is refused:
 * silently stripping it could change what the caller's client expects, refusing says why.
 */
const REINTERPRETING = ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method'];

/**
 * Request parameters with the same effect: `_method` (Laravel, Symfony, Rails/Rack) and the
 * override headers' names used as parameters or JSON keys (some frameworks accept either).
 */
const METHOD_PARAMETERS = new Set(['_method', ...REINTERPRETING]);
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

/**
 * A method-override parameter in the query or anywhere in the body, whatever the body claims to be:
 * a target's framework decides how to parse a body, not its Content-Type (Rack reads a form from a
 * body with no content type, or with `;` separators; Laravel reads `_method` from JSON). So every
 * body is looked at as each format a framework might read it as: form pairs (split on `&` and `;`,
 * percent-decoded), JSON (keys at any depth), and multipart part names. Names match in any case.
 * `body` is the decoded body (the caller undoes Content-Encoding first).
 */
export function reinterpretingParameter(search: string, _contentType: string | undefined, body: Buffer): string | undefined {
  if (formKeys(search.startsWith('?') ? search.slice(1) : search).some(isOverride)) return `${METHOD_PARAMETER} (query)`;
  if (body.length === 0) return undefined;
  const text = body.toString('latin1');
  if (formKeys(text).some(isOverride)) return `${METHOD_PARAMETER} (form)`;
  if (/\bname\s*=\s*["']?\s*(_method|x-http-method-override|x-http-method|x-method-override|x-original-method)\s*["';\s\r\n]/i.test(text)) return `${METHOD_PARAMETER} (form)`;
  const json = jsonKeys(body.toString('utf8'));
  if (json.some(isOverride)) return `${METHOD_PARAMETER} (JSON)`;
  return undefined;
}

function isOverride(name: string): boolean {
  return METHOD_PARAMETERS.has(name.trim().toLowerCase());
}

/** The keys of `a=1&b=2;c=3` (both separators, percent- and plus-decoded; undecodable kept raw). */
function formKeys(text: string): string[] {
  return text.split(/[&;]/).map((pair) => {
    const raw = pair.split('=', 1)[0]!.replace(/\+/g, ' ');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  });
}

/** Every object key of a JSON document, at any depth; none when it is not JSON. */
function jsonKeys(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const keys: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (Array.isArray(next)) stack.push(...next);
    else if (next !== null && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) {
        keys.push(key);
        stack.push(inner);
      }
    }
  }
  return keys;
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

/**
 * Request headers that ask the target about bytes a masked reply never shows: a range of them
 * (Range, If-Range), a digest of them (Want-*-Digest), or whether an entity tag — a hash of the
 * unmasked body, typically — matches them (If-None-Match, If-Match). Each answer (a 206 slice, a
 * digest, a 304 or a 412) would reveal what masking hides: a caller could confirm a guessed value
 * one request at a time. If-Modified-Since and If-Unmodified-Since compare dates, not content, and
 * are forwarded.
 */
const CONTENT_ORACLES = ['range', 'if-range', 'want-digest', 'want-content-digest', 'want-repr-digest'];
const TAG_CONDITIONS = ['if-none-match', 'if-match'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The forwardable headers of a request on a masked connection, without the content oracles. An
 * entity-tag condition is dropped from a safe method (the caller gets the whole, masked
 * representation instead of a 304 or 412); on a method that changes state it is refused, because
 * dropping it would turn a conditional write into an unconditional one. `*` names no tag and stays.
 */
export function withoutContentOracles(headers: OutgoingHttpHeaders, method: string): { readonly ok: true; readonly headers: OutgoingHttpHeaders } | { readonly ok: false; readonly header: string } {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of CONTENT_ORACLES) delete out[name];
  for (const name of TAG_CONDITIONS) {
    const value = out[name];
    if (value === undefined || String(value).trim() === '*') continue;
    if (!SAFE_METHODS.has(method)) return { ok: false, header: name };
    delete out[name];
  }
  return { ok: true, headers: out };
}
