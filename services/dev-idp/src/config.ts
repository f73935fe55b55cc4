import { loadPortcullisConfig, resolveSecret } from '@portcullis/config';
import { address, configPath, logLevel, readEnv } from '@portcullis/service-kit';
import type { DevIdpOptions } from './app.js';

export interface DevIdpConfig {
  readonly logLevel: string;
  readonly idp: Omit<DevIdpOptions, 'logger'>;
}

export function loadConfig(env: NodeJS.ProcessEnv): DevIdpConfig {
  const vars = readEnv(env, {
    DEV_IDP_ADDR: address('127.0.0.1:7400'),
    PORTCULLIS_CONFIG: configPath(),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const idp = file.devIdp;
  if (!idp) throw new Error(`${vars.PORTCULLIS_CONFIG} has no devIdp section: nothing to serve`);
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));
  return Object.freeze({
    logLevel: vars.LOG_LEVEL,
    idp: {
      issuer: idp.issuer.replace(/\/+$/, ''),
      host: vars.DEV_IDP_ADDR.host,
      port: vars.DEV_IDP_ADDR.port,
      defaultAudience: idp.audience,
      defaultTokenTtlSeconds: seconds(idp.tokenTtl),
      clients: idp.clients.map((client) => ({
        clientId: client.clientId,
        clientSecret: resolveSecret(client.secret, env),
        groups: client.groups,
        ...(client.audience ? { audience: client.audience } : {}),
        ...(client.tokenTtl ? { tokenTtlSeconds: seconds(client.tokenTtl) } : {}),
      })),
    },
  });
}
