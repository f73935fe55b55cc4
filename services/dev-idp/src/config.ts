import { loadPortcullisConfig, resolveSecret } from '@portcullis/config';
import { address, configPath, logLevel, readEnv } from '@portcullis/service-kit';
import type { DevIdpClient, DevIdpOptions } from './app.js';

export interface DevIdpConfig {
  readonly logLevel: string;
  readonly idp: Omit<DevIdpOptions, 'logger'>;
}

type FileConfig = NonNullable<ReturnType<typeof loadPortcullisConfig>['devIdp']>;
type FileClient = FileConfig['clients'][number];

export function loadConfig(env: NodeJS.ProcessEnv): DevIdpConfig {
  const vars = readEnv(env, {
    DEV_IDP_ADDR: address('127.0.0.1:7400'),
    PORTCULLIS_CONFIG: configPath(),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const idp = file.devIdp;
  if (!idp) throw new Error(`${vars.PORTCULLIS_CONFIG} has no devIdp section: nothing to serve`);
  const toClient = (client: FileClient): DevIdpClient => ({
    clientId: client.clientId,
    clientSecret: resolveSecret(client.secret, env),
    groups: client.groups,
    ...(client.audience ? { audience: client.audience } : {}),
    ...(client.tokenTtl ? { tokenTtlSeconds: seconds(client.tokenTtl) } : {}),
  });
  return Object.freeze({
    logLevel: vars.LOG_LEVEL,
    idp: {
      issuer: idp.issuer.replace(/\/+$/, ''),
      host: vars.DEV_IDP_ADDR.host,
      port: vars.DEV_IDP_ADDR.port,
      defaultAudience: idp.audience,
      defaultTokenTtlSeconds: seconds(idp.tokenTtl),
      clients: idp.clients.map(toClient),
      ...(idp.nested ? { nested: { clients: idp.nested.clients.map(toClient) } } : {}),
      ...(idp.saml
        ? {
            saml: {
              ...(idp.saml.entityId ? { entityId: idp.saml.entityId } : {}),
              ...(idp.saml.audience ? { audience: idp.saml.audience } : {}),
              privateKey: resolveSecret(idp.saml.key, env),
              certificate: resolveSecret(idp.saml.certificate, env),
              assertionTtlSeconds: seconds(idp.saml.assertionTtl),
            },
          }
        : {}),
      testEndpoints: idp.testEndpoints,
    },
  });
}

function seconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}
