import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTlsEnv } from '@portcullis/testkit';
import { loadConfig } from './config.js';

// Every service needs its mutual TLS material to start; these tests give it a real one.
const tls = await testTlsEnv('policy');

const env = (path: string, extra: Record<string, string> = {}) => ({ ...tls, PORTCULLIS_CONFIG: path, POLICY_INSTANCE_ID: 'p1', ...extra });

describe('loadConfig', () => {
  it('takes the config text, the policy directory beside it, connections with their tags, profiles and admins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-config-'));
    const text = 'connections: [{ name: wh, type: http, upstream: "http://127.0.0.1:1", tags: [env:prod] }]\nmaskingProfiles: [{ name: pii }]\npolicy: { directory: rules, adminGroups: [admins] }\n';
    writeFileSync(join(dir, 'portcullis.yaml'), text);
    const config = loadConfig(env(join(dir, 'portcullis.yaml')));
    expect(config).toMatchObject({
      configFile: { path: join(dir, 'portcullis.yaml'), text },
      policyDirectory: { path: join(dir, 'rules'), explicit: true },
      context: { connections: [{ name: 'wh', tags: ['env:prod'] }], maskingProfiles: ['pii'] },
      adminGroups: ['admins'],
      reloadIntervalMs: 1000,
      identityAddress: '127.0.0.1:50051',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/portcullis',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defaults to "policies" beside the config file, and nobody as admin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-config-'));
    writeFileSync(join(dir, 'portcullis.yaml'), '');
    expect(loadConfig(env(join(dir, 'portcullis.yaml')))).toMatchObject({ policyDirectory: { path: join(dir, 'policies'), explicit: false }, adminGroups: [] });
  });

  it('reports every bad variable and an unreadable file', () => {
    expect(() => loadConfig(env('/nonexistent/portcullis.yaml'))).toThrow(/cannot read file: ENOENT/);
    expect(() => loadConfig(env('/x', { POLICY_RELOAD_INTERVAL_MS: '5', DATABASE_URL: 'mysql://x' }))).toThrow(/DATABASE_URL: must use postgres: or postgresql:\n {2}- POLICY_RELOAD_INTERVAL_MS: "5" must be an integer in \[50, 600000\]/);
  });
});
