// Names in the aggregate endpoint /mcp: every tool and prompt is `<connection>__<name>`, every
// resource `portcullis://<connection>/<the upstream's URI, percent-encoded>`, so that names of
// different upstreams never collide and a name alone routes a request. (MCP connection names
// cannot contain "__"; tool names may, so the first "__" separates.)

const SEPARATOR = '__';
const RESOURCE_PREFIX = 'portcullis://';

export function aggregateName(connection: string, name: string): string {
  return `${connection}${SEPARATOR}${name}`;
}

export function splitAggregateName(name: string): { readonly connection: string; readonly name: string } | undefined {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return undefined;
  return { connection: name.slice(0, at), name: name.slice(at + SEPARATOR.length) };
}

export function aggregateUri(connection: string, uri: string): string {
  return `${RESOURCE_PREFIX}${connection}/${encodeURIComponent(uri)}`;
}

/** A URI template keeps its variables: only the prefix is added (its expansion decodes as itself). */
export function aggregateUriTemplate(connection: string, template: string): string {
  return `${RESOURCE_PREFIX}${connection}/${template}`;
}

export function splitAggregateUri(uri: string): { readonly connection: string; readonly uri: string } | undefined {
  if (!uri.startsWith(RESOURCE_PREFIX)) return undefined;
  const rest = uri.slice(RESOURCE_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    return { connection: rest.slice(0, slash), uri: decodeURIComponent(rest.slice(slash + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * Ids of server-to-client requests relayed on /mcp: the caller answers with the id it was given,
 * which must lead back to the upstream that asked, on any ingress instance.
 */
export function aggregateRequestId(connection: string, id: string | number): string {
  return `portcullis:${connection}:${Buffer.from(JSON.stringify(id)).toString('base64url')}`;
}

export function splitAggregateRequestId(id: string | number): { readonly connection: string; readonly id: string | number } | undefined {
  if (typeof id !== 'string') return undefined;
  const match = /^portcullis:([a-z][a-z0-9_-]{0,62}):([A-Za-z0-9_-]+)$/.exec(id);
  if (!match) return undefined;
  try {
    const original: unknown = JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8'));
    return typeof original === 'string' || typeof original === 'number' ? { connection: match[1]!, id: original } : undefined;
  } catch {
    return undefined;
  }
}
