// Minimal ambient types for oidc-provider 9.x, which ships no TypeScript
// declarations (and @types/oidc-provider is not installed in this repo).
// Only the surface used by dev-idp is described; keep it that way. None of
// these types are part of dev-idp's public API (see app.ts).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type UnknownObject = Record<string, unknown>;

  /** Opaque Koa context wrapper; dev-idp never inspects it. */
  export type KoaContextWithOIDC = UnknownObject;

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    [key: string]: unknown;
  }

  /** The subset of oidc-provider's Client model that dev-idp reads. */
  export interface Client {
    readonly clientId: string;
  }

  export interface ResourceServerJwtSign {
    alg: string;
    kid?: string;
  }

  export interface ResourceServer {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: ResourceServerJwtSign };
  }

  /** The subset of oidc-provider's token models (ClientCredentials, AccessToken) dev-idp reads. */
  export interface IssuedToken {
    readonly kind: string;
    readonly jti: string;
    readonly clientId?: string;
    readonly aud?: string | string[];
    /** Lifetime in seconds (resolved from ttl.<Model>). */
    readonly expiration?: number;
    readonly format?: string;
    readonly resourceServer?: ResourceServer;
  }

  export interface JWKSet {
    keys: UnknownObject[];
  }

  /** A storage adapter instance for one model ("Session", "Grant", ...). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface AdapterPayload {
    [key: string]: unknown;
    uid?: string;
    userCode?: string;
    grantId?: string;
    consumed?: unknown;
  }

  export type AdapterFactory = (modelName: string) => Adapter;

  export interface Configuration {
    adapter?: AdapterFactory;
    clients?: ClientMetadata[];
    clientAuthMethods?: string[];
    clientBasedCORS?: (ctx: KoaContextWithOIDC, origin: string, client: Client) => boolean;
    clientDefaults?: UnknownObject;
    cookies?: { keys?: string[] };
    enabledJWA?: Record<string, string[]>;
    extraTokenClaims?: (
      ctx: KoaContextWithOIDC,
      token: IssuedToken,
    ) => UnknownObject | undefined | Promise<UnknownObject | undefined>;
    features?: {
      clientCredentials?: { enabled: boolean };
      devInteractions?: { enabled: boolean };
      introspection?: { enabled: boolean };
      revocation?: { enabled: boolean };
      userinfo?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (
          ctx: KoaContextWithOIDC,
          client: Client,
          oneOf?: string[],
        ) => string | string[] | undefined | Promise<string | string[] | undefined>;
        useGrantedResource?: (ctx: KoaContextWithOIDC, model: unknown) => boolean | Promise<boolean>;
        getResourceServerInfo?: (
          ctx: KoaContextWithOIDC,
          resourceIndicator: string,
          client: Client,
        ) => ResourceServer | Promise<ResourceServer>;
      };
      [feature: string]: unknown;
    };
    jwks?: JWKSet;
    renderError?: (
      ctx: { type: string; body: unknown },
      out: { error: string; error_description?: string },
      error: unknown,
    ) => void | Promise<void>;
    responseTypes?: string[];
    routes?: Record<string, string>;
    scopes?: string[];
    ttl?: Record<string, number | ((ctx: KoaContextWithOIDC, token: IssuedToken, client: Client) => number)>;
    [key: string]: unknown;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's `silent` flag (Provider extends Koa). */
    silent: boolean | undefined;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    readonly error: string;
    readonly error_description?: string;
    readonly status: number;
    readonly statusCode: number;
    readonly expose: boolean;
  }

  export const errors: {
    readonly OIDCProviderError: typeof OIDCProviderError;
    readonly InvalidTarget: new (description?: string, detail?: string) => OIDCProviderError;
    readonly InvalidClient: new (description?: string, detail?: string) => OIDCProviderError;
  };

  export default Provider;
}
