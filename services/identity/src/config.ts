import { busCredentialsFromEnv, type BusCredentials } from '@portcullis/bus';
import { ConfigError, loadPortcullisConfig, resolveSecret, type OidcIssuerConfig, type SamlIssuerConfig } from '@portcullis/config';
import { address, configPath, databaseUrl, instanceId, logLevel, namespace, eventsMaxBytes, natsUrl, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';
import type { ResolvedSamlIssuer } from './saml/index.js';

export interface IdentityConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** The service's own NATS identity (NATS_NKEY_SEED_FILE or NATS_CREDS_FILE); none connects anonymously. */
  readonly natsCredentials: BusCredentials | undefined;
  /** The event stream's size limit, should this service be the one to create it (PORTCULLIS_EVENTS_MAX_BYTES). */
  readonly eventsMaxBytes: number;
  readonly namespace: string;
  readonly instanceId: string;
  /** The OpenID providers whose JWT access tokens the gateway accepts. */
  readonly oidcIssuers: readonly OidcIssuerConfig[];
  /** The SAML 2.0 IdPs whose signed assertions it accepts, certificates read. */
  readonly samlIssuers: readonly ResolvedSamlIssuer[];
  /** Groups whose members may revoke and unrevoke; empty: nobody may. */
  readonly adminGroups: readonly string[];
  /**
   * How long any token accepted now can still be valid: the longest maximum lifetime plus twice the
   * leeway (an iat up to one leeway ahead, an exp honoured one leeway late). A token-id revocation
   * matters no longer than this.
   */
  readonly longestTokenLifetimeMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  const vars = readEnv(env, {
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    PORTCULLIS_CONFIG: configPath(),
    DATABASE_URL: databaseUrl(),
    NATS_URL: natsUrl(),
    PORTCULLIS_EVENTS_MAX_BYTES: eventsMaxBytes(),
    PORTCULLIS_NAMESPACE: namespace(),
    IDENTITY_INSTANCE_ID: instanceId(),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const problems = issuerProblems(file.issuers);
  const oidcIssuers = file.issuers.filter((i): i is OidcIssuerConfig => i.protocol === 'oidc');
  const samlIssuers: ResolvedSamlIssuer[] = [];
  file.issuers.forEach((issuer, i) => {
    if (issuer.protocol !== 'saml') return;
    const { certificate, ...rest } = issuer as SamlIssuerConfig;
    try {
      const pem = resolveSecret(certificate, env);
      if (!/-----BEGIN (CERTIFICATE|PUBLIC KEY)-----/.test(pem)) problems.push(`issuers.${i}.certificate: is not a PEM certificate`);
      samlIssuers.push({ ...rest, certificatePem: pem });
    } catch (err) {
      problems.push(`issuers.${i}.certificate: ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) throw new ConfigError(vars.PORTCULLIS_CONFIG, problems);
  return Object.freeze({
    tls: tlsMaterial(vars, 'identity'),
    grpcAddress: vars.IDENTITY_GRPC_ADDR,
    logLevel: vars.LOG_LEVEL,
    databaseUrl: vars.DATABASE_URL,
    natsUrl: vars.NATS_URL,
    natsCredentials: busCredentialsFromEnv(env),
    eventsMaxBytes: vars.PORTCULLIS_EVENTS_MAX_BYTES,
    namespace: vars.PORTCULLIS_NAMESPACE,
    instanceId: vars.IDENTITY_INSTANCE_ID,
    oidcIssuers,
    samlIssuers,
    adminGroups: file.identity.adminGroups,
    longestTokenLifetimeMs: Math.max(...file.issuers.map((i) => i.maxTokenLifetime + 2 * i.clockTolerance)),
  });
}

/** What identity needs of `issuers` beyond the shared schema: at least one, OpenID issuers reachable over HTTP(S). */
function issuerProblems(issuers: readonly { protocol: string; issuer: string }[]): string[] {
  if (issuers.length === 0) {
    return ['issuers: identity trusts no issuer, so it would refuse every token; add at least one entry under "issuers:" (issuer, audience)'];
  }
  const problems: string[] = [];
  issuers.forEach(({ protocol, issuer }, i) => {
    if (protocol === 'oidc' && !/^https?:$/.test(new URL(issuer).protocol)) problems.push(`issuers.${i}.issuer: must be an http(s) URL (its keys are found by OpenID Connect discovery)`);
  });
  return problems;
}
