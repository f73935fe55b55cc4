/**
 * Parses `/http/<connection>/<rest>` from a raw request target. What policy checks is exactly what
 * is forwarded: the path is normalised once (dot segments resolved, as the WHATWG URL parser does,
 * including %2e forms) and that normalised path is both decided on and sent upstream. Encoded
 * slashes and backslashes are refused outright, because servers disagree about them and that
 * disagreement is how path-based rules get bypassed.
 */
export type Route =
  | { readonly ok: true; readonly connection: string; readonly path: string; readonly search: string }
  | { readonly ok: false; readonly message: string };

const FORBIDDEN = /%2f|%5c|\\|%00/i;

export function parseRoute(rawTarget: string): Route {
  if (!rawTarget.startsWith('/')) return { ok: false, message: 'request target must be an absolute path' };
  if (FORBIDDEN.test(rawTarget)) return { ok: false, message: 'encoded slashes, backslashes and NUL are not allowed in paths' };
  let url: URL;
  try {
    url = new URL(rawTarget, 'http://gateway.invalid');
  } catch {
    return { ok: false, message: 'request target is not a valid path' };
  }
  if (url.host !== 'gateway.invalid') return { ok: false, message: 'request target must be a path' };
  const match = /^\/http\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!match) return { ok: false, message: 'expected /http/<connection>/<path>' };
  return { ok: true, connection: decodeURIComponent(match[1]!), path: match[2] ?? '/', search: url.search };
}
