/**
 * Parses `/http/<connection>/<rest>` from a raw request target into one canonical path, which is
 * both what policy decides on and what is forwarded. Targets disagree about paths (percent-decoding,
 * `;` parameters, merged slashes, case); each disagreement is a way around a path rule, so:
 * - escapes of unreserved characters are decoded (`%61dmin` is `admin`), other escapes upper-cased;
 * - dot segments are resolved (as the WHATWG URL parser does, `%2e` forms included);
 * - encoded slashes and backslashes, NUL, `;` path parameters, empty segments (`//`) and malformed
 *   escapes are refused outright.
 * Case is left as sent; policy path globs match case-insensitively.
 */
export type Route =
  | { readonly ok: true; readonly connection: string; readonly path: string; readonly search: string }
  | { readonly ok: false; readonly message: string; readonly tooLong?: true };

/** Longer paths are refused (414): they serve no API and only feed policy and the audit log junk. */
export const MAX_PATH_LENGTH = 2048;

// Encoded slash/backslash, double encoding (%25), control characters raw or encoded.
const FORBIDDEN = /%2f|%5c|\\|%25|%[01][0-9a-f]|%7f|[\x00-\x1f\x7f]/i;
const PATH_PARAMETER = /;|%3b/i;
const BAD_ESCAPE = /%(?![0-9a-f]{2})/i;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

export function parseRoute(rawTarget: string): Route {
  if (!rawTarget.startsWith('/') || rawTarget.startsWith('//')) return { ok: false, message: 'request target must be an absolute path' };
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q === -1 ? '' : rawTarget.slice(q);
  if (rawPath.length > MAX_PATH_LENGTH) return { ok: false, message: `paths are limited to ${MAX_PATH_LENGTH} bytes`, tooLong: true };
  if (FORBIDDEN.test(rawPath)) return { ok: false, message: 'encoded slashes, backslashes, double encoding and control characters are not allowed in paths' };
  if (PATH_PARAMETER.test(rawPath)) return { ok: false, message: 'path parameters (;) are not allowed' };
  if (BAD_ESCAPE.test(rawPath)) return { ok: false, message: 'malformed percent-encoding in path' };
  const canonical = rawPath.replace(/%([0-9a-fA-F]{2})/g, (_escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  let url: URL;
  try {
    url = new URL(canonical + rawQuery, 'http://gateway.invalid');
  } catch {
    return { ok: false, message: 'request target is not a valid path' };
  }
  if (url.host !== 'gateway.invalid') return { ok: false, message: 'request target must be a path' };
  if (url.pathname.includes('//')) return { ok: false, message: 'empty path segments (//) are not allowed' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname); // throws on invalid or overlong UTF-8 (%C0%AE)
  } catch {
    return { ok: false, message: 'path is not valid percent-encoded UTF-8' };
  }
  // Some servers (IIS, Windows file systems) drop trailing dots and spaces from a segment.
  if (decoded.split('/').some((segment) => segment !== '.' && segment !== '..' && /[. ]$/.test(segment))) {
    return { ok: false, message: 'path segments may not end in a dot or a space' };
  }
  const match = /^\/http\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!match) return { ok: false, message: 'expected /http/<connection>/<path>' };
  return { ok: true, connection: match[1]!, path: match[2] ?? '/', search: url.search };
}
