import { describe, expect, it } from 'vitest';
import { bearerChallenge, endpointResource, protectedResourceMetadata, resourceMatches, resourceMetadataUrl } from './resource-metadata.js';

const settings = { resource: 'http://127.0.0.1:8080/mcp', issuers: ['http://127.0.0.1:7400', 'https://login.example'] };
const known = (name: string) => name === 'github' || name === 'files';
const metadata = (path: string, s: Parameters<typeof protectedResourceMetadata>[0] = settings) => protectedResourceMetadata(s, path, known);
const bodyOf = (path: string, s?: Parameters<typeof protectedResourceMetadata>[0]) => JSON.parse(metadata(path, s)!.body) as Record<string, unknown>;

describe('protectedResourceMetadata', () => {
  it('describes /mcp at the path-aware URL: resource, issuers, header bearer, a name', () => {
    const answer = metadata('/.well-known/oauth-protected-resource/mcp')!;
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(JSON.parse(answer.body)).toEqual({
      resource: 'http://127.0.0.1:8080/mcp',
      authorization_servers: ['http://127.0.0.1:7400', 'https://login.example'],
      bearer_methods_supported: ['header'],
      resource_name: 'Portcullis MCP gateway',
    });
  });

  it('describes /mcp at the root form too (clients fall back to it)', () => {
    expect(bodyOf('/.well-known/oauth-protected-resource').resource).toBe('http://127.0.0.1:8080/mcp');
  });

  it('describes one connection with its own resource URL', () => {
    const body = bodyOf('/.well-known/oauth-protected-resource/mcp/github');
    expect(body.resource).toBe('http://127.0.0.1:8080/mcp/github');
    expect(body.resource_name).toBe('Portcullis MCP gateway: github');
    expect(body.authorization_servers).toEqual(settings.issuers);
  });

  it('answers 404, not a document, for a connection it does not know', () => {
    const answer = metadata('/.well-known/oauth-protected-resource/mcp/nope')!;
    expect(answer.status).toBe(404);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).not.toContain('resource');
    expect(metadata('/.well-known/oauth-protected-resource/mcp/github/tools')!.status).toBe(404);
    expect(metadata('/.well-known/oauth-protected-resource/mcp//')!.status).toBe(404);
  });

  it('never asks the predicate about an empty name', () => {
    const asked: string[] = [];
    protectedResourceMetadata(settings, '/.well-known/oauth-protected-resource/mcp//', (name) => (asked.push(name), true));
    expect(asked).toEqual([]);
  });

  it('takes a trailing slash on the request path or on the configured resource', () => {
    expect(bodyOf('/.well-known/oauth-protected-resource/').resource).toBe('http://127.0.0.1:8080/mcp');
    expect(bodyOf('/.well-known/oauth-protected-resource/mcp/').resource).toBe('http://127.0.0.1:8080/mcp');
    expect(bodyOf('/.well-known/oauth-protected-resource/mcp/files/').resource).toBe('http://127.0.0.1:8080/mcp/files');
    expect(bodyOf('/.well-known/oauth-protected-resource/mcp', { ...settings, resource: 'http://127.0.0.1:8080/mcp/' }).resource).toBe('http://127.0.0.1:8080/mcp');
  });

  it('lists scopes only when there are some, and leaves out an empty issuer list', () => {
    expect(bodyOf('/.well-known/oauth-protected-resource/mcp', { ...settings, scopes: ['mcp:tools', 'mcp:read'] }).scopes_supported).toEqual(['mcp:tools', 'mcp:read']);
    expect(bodyOf('/.well-known/oauth-protected-resource/mcp', { ...settings, scopes: [] })).not.toHaveProperty('scopes_supported');
    expect(bodyOf('/.well-known/oauth-protected-resource/mcp', { ...settings, issuers: [] })).not.toHaveProperty('authorization_servers');
  });

  it('follows a resource URL with a path prefix: the well-known segment goes before the prefix', () => {
    const tenant = { ...settings, resource: 'https://GW.example:443/tenant/mcp' };
    expect(bodyOf('/.well-known/oauth-protected-resource/tenant/mcp', tenant).resource).toBe('https://gw.example/tenant/mcp');
    expect(bodyOf('/.well-known/oauth-protected-resource/tenant/mcp/github', tenant).resource).toBe('https://gw.example/tenant/mcp/github');
    expect(bodyOf('/.well-known/oauth-protected-resource', tenant).resource).toBe('https://gw.example/tenant/mcp');
    // The gateway's local /mcp is not the URL callers were told, so that form describes nothing.
    expect(metadata('/.well-known/oauth-protected-resource/mcp', tenant)).toBeUndefined();
  });

  it('leaves paths it does not own to the caller', () => {
    for (const path of ['/mcp', '/.well-known/oauth-authorization-server', '/.well-known/oauth-protected-resourcex', '/.well-known/oauth-protected-resource/http/demo', '/.well-known/oauth-protected-resource/mcpx']) {
      expect(metadata(path), path).toBeUndefined();
    }
  });
});

describe('resourceMetadataUrl', () => {
  it('points at the document for the endpoint the caller used', () => {
    expect(resourceMetadataUrl('http://127.0.0.1:8080/mcp', '/mcp')).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp');
    expect(resourceMetadataUrl('http://127.0.0.1:8080/mcp', '/mcp/')).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp');
    expect(resourceMetadataUrl('http://127.0.0.1:8080/mcp', '/mcp/github')).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp/github');
    expect(resourceMetadataUrl('http://127.0.0.1:8080/mcp', '/mcp/github/')).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp/github');
  });

  it('builds it from the URL callers see, path prefix included', () => {
    expect(resourceMetadataUrl('https://gw.example/tenant/mcp/', '/mcp/github')).toBe('https://gw.example/.well-known/oauth-protected-resource/tenant/mcp/github');
    expect(resourceMetadataUrl('https://gw.example/tenant/mcp', '/mcp')).toBe('https://gw.example/.well-known/oauth-protected-resource/tenant/mcp');
  });

  it('is what protectedResourceMetadata serves', () => {
    const tenant = { ...settings, resource: 'https://gw.example/tenant/mcp' };
    for (const local of ['/mcp', '/mcp/github']) {
      const url = new URL(resourceMetadataUrl(tenant.resource, local));
      const body = JSON.parse(protectedResourceMetadata(tenant, url.pathname, known)!.body) as { resource: string };
      expect(body.resource).toBe(endpointResource(tenant.resource, local));
    }
  });
});

describe('bearerChallenge', () => {
  const url = 'http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp';

  it('for a request without a token: only where to find the metadata (no error code)', () => {
    expect(bearerChallenge({ resourceMetadataUrl: url })).toBe(`Bearer resource_metadata="${url}"`);
  });

  it('for a refused token and for missing scopes', () => {
    expect(bearerChallenge({ resourceMetadataUrl: url, error: 'invalid_token', description: 'token expired' })).toBe(`Bearer resource_metadata="${url}", error="invalid_token", error_description="token expired"`);
    expect(bearerChallenge({ resourceMetadataUrl: url, error: 'insufficient_scope', scope: 'mcp:tools mcp:read' })).toBe(`Bearer resource_metadata="${url}", error="insufficient_scope", scope="mcp:tools mcp:read"`);
  });

  it('escapes quotes and backslashes so a value cannot end its parameter', () => {
    const header = bearerChallenge({ resourceMetadataUrl: url, error: 'invalid_request', description: 'say "hi" \\ then, error="x"' });
    expect(header).toBe(`Bearer resource_metadata="${url}", error="invalid_request", error_description="say \\"hi\\" \\\\ then, error=\\"x\\""`);
  });

  it('replaces control and non-ASCII characters, so no value can break the header', () => {
    const header = bearerChallenge({ resourceMetadataUrl: url, error: 'invalid_token', description: 'bad\r\nSet-Cookie: a=b\té' });
    expect(header).not.toMatch(/[\r\n\t]/);
    expect(header).toContain('error_description="bad??Set-Cookie: a=b??"');
  });
});

describe('resourceMatches', () => {
  const endpoint = 'https://gw.example/tenant/mcp/github';

  it('matches the endpoint itself, whatever the case of scheme and host, a default port or a trailing slash', () => {
    expect(resourceMatches('https://gw.example/tenant/mcp/github', endpoint)).toBe(true);
    expect(resourceMatches('HTTPS://GW.Example:443/tenant/mcp/github/', endpoint)).toBe(true);
  });

  it('matches a parent on a segment boundary: a token for /mcp serves every connection', () => {
    expect(resourceMatches('https://gw.example/tenant/mcp', endpoint)).toBe(true);
    expect(resourceMatches('https://gw.example/tenant/mc', endpoint)).toBe(false);
    expect(resourceMatches('https://gw.example/tenant/mcp/github', 'https://gw.example/tenant/mcp')).toBe(false);
  });

  it('refuses another origin, a path that differs in case, a query, a fragment, a non-URL', () => {
    expect(resourceMatches('http://gw.example/tenant/mcp/github', endpoint)).toBe(false);
    expect(resourceMatches('https://gw.example:8443/tenant/mcp/github', endpoint)).toBe(false);
    expect(resourceMatches('https://gw.example/Tenant/mcp/github', endpoint)).toBe(false);
    expect(resourceMatches('https://gw.example/tenant/mcp/github?x=1', endpoint)).toBe(false);
    expect(resourceMatches('https://gw.example/tenant/mcp/github#x', endpoint)).toBe(false);
    expect(resourceMatches('urn:portcullis:audience:portcullis', endpoint)).toBe(false);
    expect(resourceMatches('not a url', endpoint)).toBe(false);
  });
});
