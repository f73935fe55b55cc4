import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTlsEnv } from '@portcullis/testkit';
import { loadConfig } from './config.js';

// Every service needs its mutual TLS material to start; these tests give it a real one.
const tls = await testTlsEnv('identity');

const dir = mkdtempSync(join(tmpdir(), 'identity-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('reads the issuers and applies the defaults', () => {
    const config = loadConfig({ ...tls, PORTCULLIS_CONFIG: file('ok.yaml', 'issuers:\n  - { issuer: "http://127.0.0.1:7400", audience: portcullis }\n') });
    expect(config.grpcAddress).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(config.logLevel).toBe('info');
    expect(config.oidcIssuers).toEqual([
      {
        protocol: 'oidc',
        issuer: 'http://127.0.0.1:7400',
        audience: ['portcullis'],
        algorithms: ['ES256', 'RS256'],
        tokenTypes: ['at+jwt'],
        maxTokenLifetime: 3_600_000,
        clockTolerance: 5000,
        jwksRefresh: 600_000,
        claims: { groups: [['groups']], clientId: [['client_id'], ['azp']], kind: 'client-credentials' },
      },
    ]);
    expect(config.samlIssuers).toEqual([]);
    expect(config.adminGroups).toEqual([]);
    expect(config.longestTokenLifetimeMs).toBe(3_610_000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads claim mapping, several audiences and a SAML issuer with its certificate', () => {
    const pem = file('idp.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = loadConfig({ ...tls,
      PORTCULLIS_CONFIG: file(
        'mapped.yaml',
        `issuers:
  - issuer: "https://kc.example/realms/agents"
    audience: [portcullis, account]
    jwksUri: "https://kc.example/realms/agents/certs"
    claims: { groups: [realm_access.roles, scope, ["https://example.com/roles"]], clientId: [azp], kind: { claim: idtyp, equals: app } }
  - { protocol: saml, issuer: "urn:example:idp", audience: "urn:portcullis", certificate: { file: "${pem}" }, attributes: { groups: [memberOf] }, kind: machine }
identity: { adminGroups: [admins] }
`,
      ),
    });
    expect(config.oidcIssuers[0]).toMatchObject({
      audience: ['portcullis', 'account'],
      jwksUri: 'https://kc.example/realms/agents/certs',
      claims: { groups: [['realm_access', 'roles'], ['scope'], ['https://example.com/roles']], clientId: [['azp']], kind: { claim: ['idtyp'], equals: 'app' } },
    });
    expect(config.samlIssuers).toEqual([
      { protocol: 'saml', issuer: 'urn:example:idp', audience: ['urn:portcullis'], maxTokenLifetime: 3_600_000, clockTolerance: 5000, attributes: { groups: ['memberOf'] }, kind: 'machine', certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
    ]);
    expect(config.adminGroups).toEqual(['admins']);
  });

  it('refuses duplicate issuers, a leeway over 5 minutes and a shared-secret algorithm', () => {
    const path = file('bad.yaml', 'issuers:\n  - { issuer: "https://a.example", audience: x, clockTolerance: 10m }\n  - { issuer: "https://a.example", audience: y, algorithms: [HS256] }\n');
    expect(() => loadConfig({ ...tls, PORTCULLIS_CONFIG: path })).toThrow(/clockTolerance[\s\S]*at most 5m[\s\S]*algorithms/);
    const dup = file('dup.yaml', 'issuers:\n  - { issuer: "https://a.example", audience: x }\n  - { issuer: "https://a.example", audience: y }\n');
    expect(() => loadConfig({ ...tls, PORTCULLIS_CONFIG: dup })).toThrow(/duplicate issuer "https:\/\/a.example"/);
  });

  it('refuses a non-HTTP OpenID issuer and an unreadable SAML certificate, all at once', () => {
    const path = file('bad2.yaml', 'issuers:\n  - { issuer: "ftp://b.example", audience: x }\n  - { protocol: saml, issuer: "urn:x", audience: x, certificate: { file: /nonexistent/idp.crt } }\n');
    expect(() => loadConfig({ ...tls, PORTCULLIS_CONFIG: path })).toThrow(/issuers.0.issuer: must be an http\(s\) URL[\s\S]*issuers.1.certificate: /);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ ...tls, IDENTITY_GRPC_ADDR: 'nope', LOG_LEVEL: 'loud' })).toThrow(/IDENTITY_GRPC_ADDR[\s\S]*LOG_LEVEL/);
  });
});

describe('loadConfig: mutual TLS', () => {
  const config = file('tls.yaml', 'issuers:\n  - { issuer: "http://127.0.0.1:7400", audience: portcullis }\n');

  it('reads the CA, certificate and key named by PORTCULLIS_TLS_*', () => {
    expect(loadConfig({ ...tls, PORTCULLIS_CONFIG: config }).tls.cert.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('refuses to start without them: there is no plaintext fallback', () => {
    expect(() => loadConfig({ PORTCULLIS_CONFIG: config })).toThrow(/PORTCULLIS_TLS_CA is required\n {2}- PORTCULLIS_TLS_CERT is required\n {2}- PORTCULLIS_TLS_KEY is required/);
    expect(() => loadConfig({ ...tls, PORTCULLIS_TLS_KEY: join(dir, 'nope.key'), PORTCULLIS_CONFIG: config })).toThrow(/PORTCULLIS_TLS_KEY: cannot read .*nope.key: ENOENT/);
  });

  it("refuses another service's certificate", async () => {
    const ingress = await testTlsEnv('ingress');
    expect(() => loadConfig({ ...tls, PORTCULLIS_TLS_CERT: ingress.PORTCULLIS_TLS_CERT, PORTCULLIS_TLS_KEY: ingress.PORTCULLIS_TLS_KEY, PORTCULLIS_CONFIG: config })).toThrow(
      'PORTCULLIS_TLS_CERT: must name this service with the URI spiffe://portcullis/identity (it names ingress)',
    );
  });
});
