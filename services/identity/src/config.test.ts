import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'identity-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('reads the issuers and applies the defaults', () => {
    const config = loadConfig({ PORTCULLIS_CONFIG: file('ok.yaml', 'issuers:\n  - { issuer: "http://127.0.0.1:7400", audience: portcullis }\n') });
    expect(config.grpcAddress).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(config.logLevel).toBe('info');
    expect(config.issuers).toEqual([
      { issuer: 'http://127.0.0.1:7400', audience: 'portcullis', maxTokenLifetime: 3_600_000, groupsClaim: 'groups', algorithms: ['ES256', 'RS256'], clockTolerance: 5000 },
    ]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses to start with no issuer to trust', () => {
    const path = file('none.yaml', 'connections: []\n');
    expect(() => loadConfig({ PORTCULLIS_CONFIG: path })).toThrow(/issuers: identity trusts no issuer/);
  });

  it('refuses duplicate and non-HTTP issuers, all at once', () => {
    const path = file('bad.yaml', 'issuers:\n  - { issuer: "https://a.example", audience: x }\n  - { issuer: "https://a.example", audience: y }\n  - { issuer: "ftp://b.example", audience: x }\n');
    expect(() => loadConfig({ PORTCULLIS_CONFIG: path })).toThrow(/duplicate issuer "https:\/\/a.example"[\s\S]*issuers.2.issuer: must be an http\(s\) URL/);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ IDENTITY_GRPC_ADDR: 'nope', LOG_LEVEL: 'loud' })).toThrow(/IDENTITY_GRPC_ADDR[\s\S]*LOG_LEVEL/);
  });
});
