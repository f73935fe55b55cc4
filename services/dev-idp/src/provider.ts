import type { AdapterFactory, Configuration, IssuedToken, KoaContextWithOIDC, Provider } from 'oidc-provider';
import { ACCESS_TOKEN_ALG, currentKey } from './keys.js';
import type { SigningKeyRing } from './keys.js';

export type OidcProviderModule = typeof import('oidc-provider');

export interface ProviderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A config client with every default applied. */
export interface ResolvedClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly groups: readonly string[];
  readonly audience: string;
  readonly tokenTtlSeconds: number;
  /** The resource indicator (RFC 8707) that stands for this client's audience. */
  readonly resource: string;
}

export function resourceIndicatorFor(audience: string): string {
  return `urn:portcullis:audience:${encodeURIComponent(audience)}`;
}

/**
 * Where an issuer puts the client's groups in its access tokens:
 *  - portcullis: `groups: [...]` (the gateway's own layout);
 *  - keycloak: `realm_access: { roles: [...] }` and the client in `azp`, as Keycloak does,
 *    so claim mapping is proven against a second, real-world layout.
 */
export type TokenLayout = 'portcullis' | 'keycloak';

const TOKEN_CLAIMS: Record<TokenLayout, (client: ResolvedClient) => Record<string, unknown>> = {
  portcullis: (client) => ({ groups: [...client.groups] }),
  keycloak: (client) => ({ realm_access: { roles: [...client.groups] }, azp: client.clientId }),
};

// ---------------------------------------------------------------------------
// oidc-provider writes notices straight to console.warn / console.info
// ("oidc-provider WARNING: ..."), most notably an "Unsupported runtime" warning
// on Node 20 that fires once per process when the module is first evaluated.
// We route those lines to the injected logger (or drop them when there is none)
// for the duration of the import and of Provider construction only; every other
// console call passes through untouched.
// ---------------------------------------------------------------------------

const ANSI_ESCAPES = new RegExp('\\u001b\\[[0-9;]*m', 'g');
const OIDC_NOTICE = /^oidc-provider (WARNING|NOTICE): ([\s\S]*)$/;

type ConsoleMethod = (...args: unknown[]) => void;

function routeOidcProviderConsole(logger: ProviderLogger | undefined): () => void {
  const originalWarn = console.warn;
  const originalInfo = console.info;
  const wrap =
    (original: ConsoleMethod): ConsoleMethod =>
    (...args: unknown[]) => {
      const [first] = args;
      if (typeof first === 'string') {
        const match = OIDC_NOTICE.exec(first.replace(ANSI_ESCAPES, ''));
        if (match !== null) {
          const [, level, message = ''] = match;
          const obj = { component: 'oidc-provider' };
          if (level === 'WARNING') logger?.warn(obj, message);
          else logger?.info(obj, message);
          return;
        }
      }
      original.apply(console, args);
    };
  const patchedWarn = wrap(originalWarn);
  const patchedInfo = wrap(originalInfo);
  console.warn = patchedWarn;
  console.info = patchedInfo;
  return () => {
    if (console.warn === patchedWarn) console.warn = originalWarn;
    if (console.info === patchedInfo) console.info = originalInfo;
  };
}

let modulePromise: Promise<OidcProviderModule> | undefined;

/** Imports oidc-provider once per process, routing its import-time warnings to `logger`. */
export function loadOidcProvider(logger: ProviderLogger | undefined): Promise<OidcProviderModule> {
  modulePromise ??= (async () => {
    const restore = routeOidcProviderConsole(logger);
    try {
      return await import('oidc-provider');
    } finally {
      restore();
    }
  })();
  // A failed import is not cached, so a later start() can retry.
  modulePromise.catch(() => {
    modulePromise = undefined;
  });
  return modulePromise;
}

export interface BuildProviderOptions {
  readonly issuer: string;
  readonly clients: readonly ResolvedClient[];
  readonly layout: TokenLayout;
  /** Every key is published in the JWKS; the current (first) one signs. */
  readonly keys: SigningKeyRing;
  readonly cookieKeys: string[];
  /** Storage; passed in so that a provider rebuilt on key rotation keeps the previous one's state. */
  readonly adapter: AdapterFactory;
  readonly logger: ProviderLogger | undefined;
}

/**
 * Builds an oidc-provider instance that only serves the client_credentials grant
 * and always issues ES256-signed JWT access tokens whose `aud` is the client's
 * audience and which carry the client's groups where `layout` puts them.
 *
 * How a bare `grant_type=client_credentials` request turns into a JWT:
 *  - resourceIndicators.defaultResource supplies the client's own resource URN when
 *    the request has no `resource` parameter;
 *  - getResourceServerInfo maps that URN to { audience, accessTokenFormat: 'jwt',
 *    jwt.sign: { alg: ES256, kid: the current key }, accessTokenTTL } — without a resource server,
 *    oidc-provider would issue an opaque token;
 *  - a requested `resource` equal to the client's audience (an absolute URI, such as an MCP
 *    server's URL, RFC 8707) names the same resource server, so aud is that resource;
 *  - any other requested `resource` is rejected with invalid_target.
 */
export function buildProvider(mod: OidcProviderModule, options: BuildProviderOptions): Provider {
  const { Provider: ProviderClass, errors } = mod;
  const { logger } = options;
  const claimsFor = TOKEN_CLAIMS[options.layout];
  // Named explicitly: with several keys in the keystore, oidc-provider would otherwise pick by its own scoring.
  const signingKid = currentKey(options.keys).kid;
  const clientsById = new Map(options.clients.map((c) => [c.clientId, c] as const));

  const clientFor = (clientId: string | undefined): ResolvedClient | undefined =>
    clientId === undefined ? undefined : clientsById.get(clientId);

  const configuration: Configuration = {
    adapter: options.adapter,
    jwks: { keys: options.keys.keys.map((k) => ({ ...k.jwk })) },
    cookies: { keys: options.cookieKeys },
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // oidc-provider accepts client_secret_post as well for a client registered
      // with client_secret_basic (and vice versa).
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // ES256 everywhere, so the keystore needs no RSA key (the default is RS256).
      id_token_signed_response_alg: ACCESS_TOKEN_ALG,
    },
    // Only the token endpoint is of use; nothing is ever served from /auth.
    responseTypes: [],
    // No browser-based CORS access to client-authenticated endpoints (discovery and
    // jwks are always CORS-open). Also avoids a "you SHOULD change it" notice.
    clientBasedCORS: () => false,
    // No offline_access => no refresh_token grant advertised.
    scopes: ['openid'],
    routes: { jwks: '/jwks', token: '/token' },
    // Errors are always OAuth JSON ({ error, error_description }), even for clients
    // sending `Accept: text/html` (the default renders an HTML page and logs a notice).
    renderError: (ctx, out) => {
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = out;
    },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      // Plain bearer tokens only: a DPoP header must not silently produce a
      // sender-constrained (cnf.jkt, token_type DPoP) token a bearer gateway rejects.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) => clientFor(client.clientId)?.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator, client) => {
          const resolved = clientFor(client.clientId);
          if (resolved === undefined || (resourceIndicator !== resolved.resource && resourceIndicator !== resolved.audience)) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: '',
            audience: resolved.audience,
            accessTokenTTL: resolved.tokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: ACCESS_TOKEN_ALG, kid: signingKid } },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx: KoaContextWithOIDC, token: IssuedToken) =>
        token.resourceServer?.accessTokenTTL ??
        clientFor(token.clientId)?.tokenTtlSeconds ??
        // Unreachable for configured clients; keep tokens short-lived regardless.
        300,
    },
    extraTokenClaims: (_ctx, token) => {
      if (token.kind !== 'ClientCredentials') return undefined;
      const client = clientFor(token.clientId);
      return client === undefined ? undefined : claimsFor(client);
    },
  };

  const restore = routeOidcProviderConsole(logger);
  let provider: Provider;
  try {
    provider = new ProviderClass(options.issuer, configuration);
  } finally {
    restore();
  }

  // Koa prints unhandled app errors to stderr unless an 'error' listener exists.
  provider.on('error', (err: unknown) => {
    logger?.warn({ event: 'error', err: describeError(err) }, 'dev-idp request error');
  });
  provider.on('server_error', (_ctx: unknown, err: unknown) => {
    logger?.warn({ event: 'server_error', err: describeError(err) }, 'dev-idp server error');
  });
  // Failed token requests (invalid_client, invalid_target, ...). Never log the
  // request itself: it carries the client secret.
  provider.on('grant.error', (ctx: { oidc?: { client?: { clientId?: string } } }, err: unknown) => {
    const e = err as { error?: unknown; error_detail?: unknown };
    logger?.info(
      {
        event: 'grant.error',
        issuer: options.issuer,
        clientId: ctx.oidc?.client?.clientId,
        error: e.error,
        detail: e.error_detail,
      },
      'token request rejected',
    );
  });
  // JWT access tokens are not stored, so oidc-provider emits "issued" (not "saved").
  provider.on('client_credentials.issued', (token: IssuedToken) => {
    logger?.info(
      { event: 'token.issued', issuer: options.issuer, kid: signingKid, clientId: token.clientId, jti: token.jti, aud: token.aud, expiresIn: token.expiration },
      'issued access token',
    );
  });

  return provider;
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
