// The identity service owns one decision: is this bearer token from an issuer we trust, and if so,
// who is it? It verifies tokens against the configured issuers (keys found by OpenID Connect
// discovery, fetched lazily and refetched on rotation) and answers with a principal or a typed
// refusal. It keeps no session state and stores nothing, so instances scale freely; caching verified
// principals is the caller's business (see libs/identity-client). An unreachable IdP makes its
// tokens fail with ISSUER_UNAVAILABLE, never the service's start or health.
import { GrpcServer, type App, type Logger } from '@portcullis/service-kit';
import type { IdentityConfig } from './config.js';
import { TokenVerifier, type Clock, type KeyResolver } from './domain/index.js';
import { identityHandler } from './grpc/identity.handler.js';
import { describeError, OidcKeyResolver, type OidcKeyResolverOptions } from './oidc/oidc-key-resolver.js';

export interface IdentityDeps {
  /** Replaces OIDC discovery (tests with local keys). */
  readonly keys?: KeyResolver;
  readonly clock?: Clock;
  readonly oidc?: OidcKeyResolverOptions;
}

export function createApp(config: IdentityConfig, logger: Logger, deps: IdentityDeps = {}): App & { readonly grpcPort: () => number } {
  const keys = deps.keys ?? new OidcKeyResolver(logger, deps.oidc);
  const verifier = new TokenVerifier(config.issuers, keys, deps.clock ?? (() => new Date()));
  const grpc = new GrpcServer(config.grpcAddress, [identityHandler(verifier, logger)], logger);

  return {
    grpcPort: () => grpc.port,
    async start() {
      await grpc.listen();
      grpc.setServing(true);
      logger.info({ issuers: config.issuers.map((issuer) => issuer.issuer) }, 'identity ready');
      // Warm discovery in the background: a down IdP must not delay or fail our start.
      for (const issuer of config.issuers) {
        keys.warm?.(issuer).catch((err: unknown) => logger.warn({ issuer: issuer.issuer, detail: describeError(err) }, 'issuer not reachable yet; will retry on its first token'));
      }
    },
    async stop() {
      await grpc.drain();
    },
  };
}
