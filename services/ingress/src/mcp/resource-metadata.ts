/**
 * The gateway as an OAuth 2.1 resource server for MCP (authorization spec 2025-11-25): its RFC 9728
 * protected resource metadata, the RFC 6750 challenge that points callers at it, and the RFC 8707
 * resource comparison. Pure: the HTTP adapter supplies paths and writes the answers.
 *
 * `resource` (config `mcp.resource`) is the URL callers use for /mcp. It may carry a path prefix
 * added by a proxy (`https://gw.example/tenant/mcp` reaching the gateway as `/mcp`); the
 * well-known URL is built from the URL callers see (RFC 9728 §3.1 inserts the well-known segment
 * between host and path), so the metadata is served at `/.well-known/oauth-protected-resource`
 * followed by the resource's own path, never by the gateway's local `/mcp`.
 */

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const RESOURCE_NAME = 'Portcullis MCP gateway';

/** What the gateway says about itself as a protected resource. */
export interface ResourceSettings {
  /** The URL callers use for /mcp (config `mcp.resource`). */
  readonly resource: string;
  /** Issuer identifiers whose tokens the gateway accepts (RFC 9728 `authorization_servers`). */
  readonly issuers: readonly string[];
  readonly scopes?: readonly string[];
}

/** An HTTP answer for the adapter to write as it is. */
export interface MetadataAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Answers a GET on the metadata paths the gateway owns: the root form and the path-aware forms for
 * /mcp and /mcp/<connection>, trailing slash or not. 404 for a connection `hasConnection` does not
 * know; undefined for any other path (the caller routes it on). `path` is the request's pathname.
 */
export function protectedResourceMetadata(settings: ResourceSettings, path: string, hasConnection: (name: string) => boolean): MetadataAnswer | undefined {
  if (path !== WELL_KNOWN && !path.startsWith(`${WELL_KNOWN}/`)) return undefined;
  const rest = withoutTrailingSlash(path.slice(WELL_KNOWN.length));
  const base = canonicalResource(settings.resource);
  if (rest === '' || rest === base.path) return document(settings, base.url, RESOURCE_NAME);
  if (!rest.startsWith(`${base.path}/`)) return undefined;
  const name = rest.slice(base.path.length + 1);
  if (name === '' || name.includes('/') || !hasConnection(name)) return notFound();
  return document(settings, `${base.url}/${name}`, `${RESOURCE_NAME}: ${name}`);
}

/** The resource URL of the MCP endpoint at local `path`: `<resource>` for /mcp, `<resource>/<connection>` below it. */
export function endpointResource(resource: string, path: string): string {
  const { url } = canonicalResource(resource);
  const match = /^\/mcp\/([^/]+)/.exec(path);
  return match ? `${url}/${match[1]}` : url;
}

/** Where the metadata for the MCP endpoint at local `path` is published (for the challenge's `resource_metadata`). */
export function resourceMetadataUrl(resource: string, path: string): string {
  const { origin, path: resourcePath } = canonicalResource(endpointResource(resource, path));
  return `${origin}${WELL_KNOWN}${resourcePath}`;
}

export type BearerError = 'invalid_token' | 'insufficient_scope' | 'invalid_request';

/**
 * An RFC 6750 `WWW-Authenticate` value. Without `error` it is the challenge for a request that
 * carried no token (RFC 6750 §3.1 asks for no error code then). Values are quoted-strings with `"`
 * and `\` escaped and anything outside printable ASCII replaced, so no input can end a parameter or
 * the header. The options hold no token on purpose: a challenge never echoes one.
 */
export function bearerChallenge(options: { resourceMetadataUrl: string; error?: BearerError; description?: string; scope?: string }): string {
  const params: [string, string][] = [['resource_metadata', options.resourceMetadataUrl]];
  if (options.error) params.push(['error', options.error]);
  if (options.description) params.push(['error_description', options.description]);
  if (options.scope) params.push(['scope', options.scope]);
  return `Bearer ${params.map(([name, value]) => `${name}=${quoted(value)}`).join(', ')}`;
}

/**
 * Whether a caller's RFC 8707 `resource` names the endpoint resource `endpoint`: the same URL once
 * scheme and host case, default port and a trailing slash are set aside, or a parent of it on a
 * segment boundary (a token for /mcp serves /mcp/<connection>). A query or fragment never matches.
 */
export function resourceMatches(resourceParam: string, endpoint: string): boolean {
  const requested = parse(resourceParam);
  const actual = parse(endpoint);
  if (!requested || !actual || !/^https?:$/.test(requested.protocol) || requested.search || requested.hash || requested.origin !== actual.origin) return false;
  const want = requested.pathname.replace(/\/$/, '');
  const have = actual.pathname.replace(/\/$/, '');
  return have === want || have.startsWith(`${want}/`);
}

function document(settings: ResourceSettings, resource: string, name: string): MetadataAnswer {
  const body = JSON.stringify({
    resource,
    ...(settings.issuers.length > 0 ? { authorization_servers: [...settings.issuers] } : {}),
    bearer_methods_supported: ['header'],
    ...(settings.scopes && settings.scopes.length > 0 ? { scopes_supported: [...settings.scopes] } : {}),
    resource_name: name,
  });
  // Public and the same for everyone; it changes only when the configuration does.
  return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }, body };
}

function notFound(): MetadataAnswer {
  const body = JSON.stringify({ error: { code: 'UNKNOWN_CONNECTION', message: 'no such MCP connection' } });
  return { status: 404, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body };
}

/** Origin and path without a trailing slash; query and fragment have no place in a resource identifier here. */
function canonicalResource(resource: string): { url: string; origin: string; path: string } {
  const { origin, pathname } = new URL(resource);
  const path = pathname.replace(/\/+$/, '');
  return { url: `${origin}${path}`, origin, path };
}

function withoutTrailingSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
