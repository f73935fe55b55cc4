import { ConfigError, loadPortcullisConfig, type IssuerConfig } from '@portcullis/config';
import { address, configPath, logLevel, readEnv } from '@portcullis/service-kit';

export interface IdentityConfig {
  readonly grpcAddress: { host: string; port: number };
  readonly logLevel: string;
  /** The token issuers the gateway trusts; never empty. */
  readonly issuers: readonly IssuerConfig[];
}

export function loadConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  const vars = readEnv(env, {
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    PORTCULLIS_CONFIG: configPath(),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const problems = issuerProblems(file.issuers);
  if (problems.length > 0) throw new ConfigError(vars.PORTCULLIS_CONFIG, problems);
  return Object.freeze({
    grpcAddress: vars.IDENTITY_GRPC_ADDR,
    logLevel: vars.LOG_LEVEL,
    issuers: file.issuers,
  });
}

/** What identity needs of `issuers` beyond the shared schema: at least one, each once, each reachable over HTTP(S). */
function issuerProblems(issuers: readonly IssuerConfig[]): string[] {
  if (issuers.length === 0) {
    return ['issuers: identity trusts no issuer, so it would refuse every token; add at least one entry under "issuers:" (issuer, audience)'];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  issuers.forEach(({ issuer }, i) => {
    if (seen.has(issuer)) problems.push(`issuers.${i}.issuer: duplicate issuer "${issuer}"`);
    seen.add(issuer);
    if (!/^https?:$/.test(new URL(issuer).protocol)) problems.push(`issuers.${i}.issuer: must be an http(s) URL (its keys are found by OpenID Connect discovery)`);
  });
  return problems;
}
