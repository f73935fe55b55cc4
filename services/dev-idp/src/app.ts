// The dev IdP owns the identities of local stacks and tests — never production. It decides
// which client gets which token or assertion: it authenticates configured clients and issues
// them ES256 JWT access tokens (two issuers, two claim layouts) and RSA-signed SAML 2.0
// assertions. With test endpoints on, it also signs whatever a test asks for with its real
// keys, and rotates those keys while serving.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fail } from './failure.js';
import { sendFailure } from './http-io.js';
import { generateSigningKeyRing } from './keys.js';
import { createOidcIssuer } from './oidc-issuer.js';
import type { OidcIssuer } from './oidc-issuer.js';
import { resolveClients, validateDefaults, validateIssuer, validatePort, validateSaml } from './options.js';
import { handleRotateKeys, handleSamlAssertion, handleSamlMint, handleTestMint } from './own-endpoints.http.js';
import type { OwnEndpointContext } from './own-endpoints.http.js';
import { loadOidcProvider } from './provider.js';
import type { ResolvedClient } from './provider.js';
import { MOUNT_PATHS, route } from './routes.js';
import type { IssuerName, ServedFeatures } from './routes.js';
import type { SamlSettings } from './saml-issuer.js';

export interface DevIdpClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly groups: readonly string[];
  /** Default: options.defaultAudience */
  readonly audience?: string;
  /** Default: options.defaultTokenTtlSeconds */
  readonly tokenTtlSeconds?: number;
}

export interface DevIdpLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A second OpenID provider at `<issuer>/nested` whose tokens are shaped like Keycloak's. */
export interface DevIdpNestedOptions {
  /** Its own clients (an id may repeat a main one: it is another issuer). Defaults as for the main clients. */
  readonly clients: readonly DevIdpClient[];
}

/** Signed SAML 2.0 assertions for the main clients at POST /saml/assertion. */
export interface DevIdpSamlOptions {
  /** The assertions' `<saml:Issuer>`. Default: `<issuer>/saml`. */
  readonly entityId?: string;
  /** The AudienceRestriction. Default: options.defaultAudience. */
  readonly audience?: string;
  /** RSA private key, PEM. */
  readonly privateKey: string;
  /** The key's X.509 certificate, PEM: checked against the key, and what relying parties verify with. */
  readonly certificate: string;
  readonly assertionTtlSeconds: number;
}

export interface DevIdpOptions {
  /**
   * Issuer identifier, e.g. `http://127.0.0.1:7400` (no trailing slash, no path:
   * the provider is mounted at the server root). Used verbatim as `iss` and as
   * the base of every discovery URL.
   *
   * Pass an empty string to derive it after binding: `http://<host>:<bound port>`
   * (a wildcard host, `0.0.0.0` / `::`, becomes `127.0.0.1` / `[::1]`). This is
   * what makes `port: 0` usable — with an explicit issuer and an ephemeral port
   * the advertised URLs would point at the wrong port.
   */
  readonly issuer: string;
  readonly host: string;
  /** 0 = ephemeral (combine with an empty `issuer`). */
  readonly port: number;
  readonly clients: readonly DevIdpClient[];
  /** e.g. "portcullis" */
  readonly defaultAudience: string;
  /** e.g. 300 */
  readonly defaultTokenTtlSeconds: number;
  readonly nested?: DevIdpNestedOptions;
  readonly saml?: DevIdpSamlOptions;
  /**
   * Serve POST /test/mint and /test/rotate-keys (and /nested/test/..., /test/saml/mint):
   * anyone who can reach them can sign anything. Default false: they answer 404.
   */
  readonly testEndpoints?: boolean;
  /** Receives lifecycle, token-issuance and oidc-provider notices. Never receives secrets or tokens. */
  readonly logger?: DevIdpLogger;
}

export interface DevIdp {
  /** The effective issuer once started (derived if options.issuer was empty); before that, options.issuer. */
  readonly issuer: string;
  /** `<issuer>/nested` once started with options.nested; otherwise undefined. */
  readonly nestedIssuer: string | undefined;
  /** The bound port once started; before that, options.port. */
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Running {
  readonly server: Server;
  readonly issuer: string;
  readonly nestedIssuer: string | undefined;
  readonly port: number;
}

/**
 * A local OpenID provider (oidc-provider) for development and tests — never
 * production. It serves discovery, JWKS and a token endpoint that issues
 * short-lived ES256-signed JWT access tokens via the client_credentials grant:
 *
 *   curl -u demo-agent:demo-agent-secret -d grant_type=client_credentials http://127.0.0.1:7400/token
 *
 * Token claims: iss, sub (= client id), aud (the client's audience), client_id,
 * groups, iat, exp (= iat + the client's TTL), jti. Header: alg ES256, typ at+jwt, kid.
 * The nested issuer (`/nested/token`) puts groups in realm_access.roles and adds azp instead.
 * Signing and cookie keys are generated in memory on every start().
 */
export function createDevIdp(options: DevIdpOptions): DevIdp {
  validateDefaults(options);
  const clients = resolveClients(options, options.clients, 'clients');
  const nestedClients = options.nested && resolveClients(options, options.nested.clients, 'nested.clients');
  validateIssuer(options.issuer);
  validatePort(options.port);
  if (options.saml) validateSaml(options.saml);
  const { logger } = options;
  const features: ServedFeatures = {
    nested: nestedClients !== undefined,
    saml: options.saml !== undefined,
    testEndpoints: options.testEndpoints === true,
  };

  let running: Running | undefined;
  let starting: Promise<void> | undefined;

  async function doStart(): Promise<void> {
    const mod = await loadOidcProvider(logger);
    const mainKeys = await generateSigningKeyRing();
    const nestedKeys = nestedClients && (await generateSigningKeyRing());

    let handler: RequestHandler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'dev-idp is starting' }));
    };
    const server = createServer((req, res) => {
      void handler(req, res);
    });

    await listen(server, options.port, options.host);
    const port = (server.address() as AddressInfo).port;
    const issuer = options.issuer !== '' ? options.issuer : deriveIssuer(options.host, port);
    const nestedIssuer = nestedClients && `${issuer}${MOUNT_PATHS.nested}`;

    let saml: SamlSettings | undefined;
    try {
      // Synchronous from here to the handler swap, so no request can observe the 503 stub
      // (the event loop cannot accept a connection in between).
      const issuers: Record<IssuerName, OidcIssuer | undefined> = {
        main: createOidcIssuer(mod, { issuer, mountPath: MOUNT_PATHS.main, clients, layout: 'portcullis', keys: mainKeys, logger }),
        nested:
          nestedClients && nestedKeys && nestedIssuer
            ? createOidcIssuer(mod, {
                issuer: nestedIssuer,
                mountPath: MOUNT_PATHS.nested,
                clients: nestedClients,
                layout: 'keycloak',
                keys: nestedKeys,
                logger,
              })
            : undefined,
      };
      saml = options.saml && {
        entityId: options.saml.entityId ?? `${issuer}/saml`,
        audience: options.saml.audience ?? options.defaultAudience,
        privateKey: options.saml.privateKey,
        assertionTtlSeconds: options.saml.assertionTtlSeconds,
      };
      handler = createDispatcher({ features, issuers, saml, clients, logger });
    } catch (err) {
      await closeServer(server);
      throw err;
    }

    running = { server, issuer, nestedIssuer, port };
    logger?.info(
      {
        issuer,
        nestedIssuer,
        host: options.host,
        port,
        clients: clients.map((c) => ({ clientId: c.clientId, audience: c.audience, ttl: c.tokenTtlSeconds })),
        nestedClients: nestedClients?.map((c) => ({ clientId: c.clientId, audience: c.audience, ttl: c.tokenTtlSeconds })),
        kid: mainKeys.keys[0]?.kid,
        nestedKid: nestedKeys?.keys[0]?.kid,
        samlEntityId: saml?.entityId,
        testEndpoints: features.testEndpoints,
      },
      'dev-idp listening',
    );
    if (features.testEndpoints) {
      logger?.warn({ issuer }, 'test endpoints are on: anyone who reaches this port can have any token or assertion signed');
    }
  }

  return {
    get issuer() {
      return running?.issuer ?? options.issuer;
    },
    get nestedIssuer() {
      return running?.nestedIssuer;
    },
    get port() {
      return running?.port ?? options.port;
    },
    async start() {
      if (running !== undefined || starting !== undefined) {
        throw new Error('dev-idp is already started');
      }
      starting = doStart();
      try {
        await starting;
      } finally {
        starting = undefined;
      }
    },
    async stop() {
      if (starting !== undefined) {
        await starting.catch(() => undefined);
      }
      const current = running;
      if (current === undefined) return;
      running = undefined;
      await closeServer(current.server);
      logger?.info({ issuer: current.issuer }, 'dev-idp stopped');
    },
  };
}

interface DispatcherDeps {
  readonly features: ServedFeatures;
  readonly issuers: Record<IssuerName, OidcIssuer | undefined>;
  readonly saml: SamlSettings | undefined;
  readonly clients: readonly ResolvedClient[];
  readonly logger: DevIdpLogger | undefined;
}

/** One request handler for the whole server: routes by path, then hands over to the adapter. */
function createDispatcher(deps: DispatcherDeps): RequestHandler {
  const { features, issuers, saml, logger } = deps;
  const clientsById = new Map(deps.clients.map((c) => [c.clientId, c] as const));
  const ctx: OwnEndpointContext = { logger, now: () => new Date() };
  // route() only names an issuer or SAML when `features` says it is served.
  const issuer = (name: IssuerName): OidcIssuer => issuers[name] ?? unreachable(`issuer ${name}`);
  const samlSettings = (): SamlSettings => saml ?? unreachable('saml');

  const dispatch = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const target = route(req.method ?? 'GET', pathname, features);
    switch (target.kind) {
      case 'oidc':
        return issuer(target.issuer).handle(req, res);
      case 'test-mint':
        return handleTestMint(issuer(target.issuer), req, res, ctx);
      case 'test-rotate-keys':
        return handleRotateKeys(issuer(target.issuer), req, res);
      case 'saml-assertion':
        return handleSamlAssertion(samlSettings(), clientsById, req, res, ctx);
      case 'test-saml-mint':
        return handleSamlMint(samlSettings(), clientsById, req, res, ctx);
      case 'not-found':
        return sendFailure(res, fail('not_found', `no endpoint at ${pathname}`));
      case 'method-not-allowed':
        return sendFailure(res, fail('method_not_allowed', `use ${target.allow}`), { allow: target.allow });
    }
  };

  return async (req, res) => {
    try {
      await dispatch(req, res);
    } catch (err) {
      // Only the error's name and message: never the request, which may carry credentials.
      logger?.warn({ event: 'server_error', path: req.url?.split('?', 1)[0], err: describeError(err) }, 'dev-idp server error');
      if (!res.headersSent) sendFailure(res, fail('server_error', 'internal error'));
      else res.destroy();
    }
  };
}

function unreachable(what: string): never {
  throw new Error(`dev-idp: routed to ${what}, which is not served`);
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function deriveIssuer(host: string, port: number): string {
  let h = host;
  if (h === '' || h === '0.0.0.0') h = '127.0.0.1';
  else if (h === '::' || h === '[::]') h = '::1';
  if (h.includes(':') && !h.startsWith('[')) h = `[${h}]`;
  return `http://${h}:${port}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Drop idle keep-alive (and any in-flight) connections so the process can exit promptly.
    server.closeAllConnections();
  });
}
