import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('dev-idp loadConfig', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dev-idp-config-'));
    await writeFile(join(dir, 'saml.key'), 'KEY PEM\n');
    await writeFile(
      join(dir, 'portcullis.yaml'),
      [
        'devIdp:',
        '  issuer: "http://127.0.0.1:7400/"',
        '  tokenTtl: 2m',
        '  clients:',
        '    - { clientId: demo-agent, secret: demo-agent-secret, groups: [agents] }',
        '  nested:',
        '    clients:',
        '      - { clientId: kc-agent, secret: { env: KC_SECRET }, groups: [kc], audience: elsewhere, tokenTtl: 30s }',
        '  saml:',
        `    key: { file: ${JSON.stringify(join(dir, 'saml.key'))} }`,
        '    certificate: { env: SAML_CERT }',
        '    assertionTtl: 90s',
        '  testEndpoints: true',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('maps nested clients, SAML secrets and testEndpoints to DevIdpOptions', () => {
    const config = loadConfig({ PORTCULLIS_CONFIG: join(dir, 'portcullis.yaml'), KC_SECRET: 'kc-secret', SAML_CERT: 'CERT PEM' });
    expect(config.idp).toMatchObject({
      issuer: 'http://127.0.0.1:7400',
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 120,
      clients: [{ clientId: 'demo-agent', clientSecret: 'demo-agent-secret', groups: ['agents'] }],
      nested: { clients: [{ clientId: 'kc-agent', clientSecret: 'kc-secret', groups: ['kc'], audience: 'elsewhere', tokenTtlSeconds: 30 }] },
      saml: { privateKey: 'KEY PEM', certificate: 'CERT PEM', assertionTtlSeconds: 90 },
      testEndpoints: true,
    });
    expect(config.idp.saml).not.toHaveProperty('entityId');
    expect(config.idp.saml).not.toHaveProperty('audience');
  });

  it('leaves the optional parts out when the file has none', async () => {
    const path = join(dir, 'minimal.yaml');
    await writeFile(path, 'devIdp:\n  issuer: "http://127.0.0.1:7400"\n');
    const { idp } = loadConfig({ PORTCULLIS_CONFIG: path });
    expect(idp.nested).toBeUndefined();
    expect(idp.saml).toBeUndefined();
    expect(idp.testEndpoints).toBe(false);
  });
});
