import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { currentKey, generateCookieKeys, generateSigningKey, rotateKeyRing } from './keys.js';
import type { SigningKey, SigningKeyRing } from './keys.js';
import { createMemoryAdapterFactory } from './memory-adapter.js';
import { buildProvider } from './provider.js';
import type { OidcProviderModule, ProviderLogger, ResolvedClient, TokenLayout } from './provider.js';

export interface OidcIssuerOptions {
  readonly issuer: string;
  /**
   * The path prefix this issuer is served under on the shared server: '' for the root,
   * '/nested' for `<issuer>/nested`. Requests reach `handle` with the prefix still on.
   */
  readonly mountPath: string;
  readonly clients: readonly ResolvedClient[];
  readonly layout: TokenLayout;
  readonly keys: SigningKeyRing;
  readonly logger: ProviderLogger | undefined;
}

/** The outcome of a key rotation, as POST /test/rotate-keys answers it. */
export interface RotatedKeys {
  readonly kid: string;
  /** The kids the JWKS now publishes, current first. */
  readonly published: readonly string[];
}

/** One OpenID issuer: an oidc-provider instance that can be rebuilt with new keys while serving. */
export interface OidcIssuer {
  readonly issuer: string;
  /** The key that signs tokens now. */
  readonly signingKey: SigningKey;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  rotateKeys(retirePrevious: boolean): Promise<RotatedKeys>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface State {
  readonly keys: SigningKeyRing;
  readonly handler: Handler;
}

/**
 * Builds the issuer's first provider synchronously (so a caller can swap it in without an
 * await in between). oidc-provider fixes its keystore at construction, so rotation builds a
 * new Provider with the new key ring and swaps the handler: requests already inside the old
 * instance finish there (their tokens carry the previous kid, which stays published unless
 * retired); every request after the swap reaches the new one. Clients, cookie keys and the
 * storage adapter are the same objects across rebuilds.
 */
export function createOidcIssuer(mod: OidcProviderModule, options: OidcIssuerOptions): OidcIssuer {
  const { issuer, mountPath, logger } = options;
  const adapter = createMemoryAdapterFactory();
  const cookieKeys = generateCookieKeys();

  const build = (keys: SigningKeyRing): State => {
    const provider: Provider = buildProvider(mod, {
      issuer,
      clients: options.clients,
      layout: options.layout,
      keys,
      cookieKeys,
      adapter,
      logger,
    });
    return { keys, handler: provider.callback() };
  };

  let state = build(options.keys);

  return {
    issuer,
    get signingKey() {
      return currentKey(state.keys);
    },
    handle(req, res) {
      if (mountPath !== '') mount(req, mountPath);
      return state.handler(req, res);
    },
    async rotateKeys(retirePrevious) {
      const next = await generateSigningKey();
      // Synchronous from here: concurrent rotations each build on the ring the previous one left.
      state = build(rotateKeyRing(state.keys, next, retirePrevious));
      const published = state.keys.keys.map((k) => k.kid);
      logger?.info({ event: 'keys.rotated', issuer, kid: next.kid, published }, 'rotated signing key');
      return { kid: next.kid, published };
    },
  };
}

/**
 * Serves a request to a provider mounted under `mountPath`, as Express's `app.use(path, ...)`
 * would: oidc-provider routes on `req.url` and builds every advertised URL (discovery's
 * jwks_uri, token_endpoint) from the mount path it finds as `req.originalUrl` minus `req.url`.
 */
function mount(req: IncomingMessage, mountPath: string): void {
  const original = req.url ?? '/';
  const rest = original.slice(mountPath.length);
  (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
}
