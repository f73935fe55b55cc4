import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCookieKeys, generateSigningJwks } from './keys.js';
import { buildProvider, loadOidcProvider, resourceIndicatorFor } from './provider.js';
import type { ResolvedClient } from './provider.js';

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
  /** Receives lifecycle, token-issuance and oidc-provider notices. Never receives secrets or tokens. */
  readonly logger?: DevIdpLogger;
}

export interface DevIdp {
  /** The effective issuer once started (derived if options.issuer was empty); before that, options.issuer. */
  readonly issuer: string;
  /** The bound port once started; before that, options.port. */
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Running {
  readonly server: Server;
  readonly issuer: string;
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
 * Signing and cookie keys are generated in memory on every start().
 */
export function createDevIdp(options: DevIdpOptions): DevIdp {
  const clients = resolveClients(options);
  validateIssuer(options.issuer);
  validatePort(options.port);
  const { logger } = options;

  let running: Running | undefined;
  let starting: Promise<void> | undefined;

  async function doStart(): Promise<void> {
    const mod = await loadOidcProvider(logger);
    const jwks = await generateSigningJwks();

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

    try {
      // Synchronous from here to the handler swap, so no request can observe the 503 stub
      // (the event loop cannot accept a connection in between).
      const provider = buildProvider(mod, {
        issuer,
        clients,
        jwks,
        cookieKeys: generateCookieKeys(),
        logger,
      });
      handler = provider.callback();
    } catch (err) {
      await closeServer(server);
      throw err;
    }

    running = { server, issuer, port };
    logger?.info(
      {
        issuer,
        host: options.host,
        port,
        clients: clients.map((c) => ({ clientId: c.clientId, audience: c.audience, ttl: c.tokenTtlSeconds })),
        kid: jwks.keys[0]?.kid,
      },
      'dev-idp listening',
    );
  }

  return {
    get issuer() {
      return running?.issuer ?? options.issuer;
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

function resolveClients(options: DevIdpOptions): ResolvedClient[] {
  if (!isNonEmptyString(options.defaultAudience)) {
    throw new TypeError('dev-idp: defaultAudience must be a non-empty string');
  }
  if (!isPositiveInteger(options.defaultTokenTtlSeconds)) {
    throw new TypeError('dev-idp: defaultTokenTtlSeconds must be a positive integer');
  }
  const seen = new Set<string>();
  return options.clients.map((client, i) => {
    const where = `dev-idp: clients[${i}]`;
    if (!isNonEmptyString(client.clientId)) throw new TypeError(`${where}.clientId must be a non-empty string`);
    if (seen.has(client.clientId)) throw new TypeError(`${where}: duplicate clientId "${client.clientId}"`);
    seen.add(client.clientId);
    if (!isNonEmptyString(client.clientSecret)) {
      throw new TypeError(`${where}.clientSecret must be a non-empty string`);
    }
    if (!Array.isArray(client.groups) || !client.groups.every((g) => typeof g === 'string')) {
      throw new TypeError(`${where}.groups must be an array of strings`);
    }
    if (client.audience !== undefined && !isNonEmptyString(client.audience)) {
      throw new TypeError(`${where}.audience must be a non-empty string when set`);
    }
    if (client.tokenTtlSeconds !== undefined && !isPositiveInteger(client.tokenTtlSeconds)) {
      throw new TypeError(`${where}.tokenTtlSeconds must be a positive integer when set`);
    }
    const audience = client.audience ?? options.defaultAudience;
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      groups: [...client.groups],
      audience,
      tokenTtlSeconds: client.tokenTtlSeconds ?? options.defaultTokenTtlSeconds,
      resource: resourceIndicatorFor(audience),
    };
  });
}

function validateIssuer(issuer: string): void {
  if (issuer === '') return;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`dev-idp: issuer must be an absolute http(s) URL, got "${issuer}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`dev-idp: issuer must be an http(s) URL, got "${issuer}"`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || issuer.endsWith('/')) {
    throw new TypeError(
      `dev-idp: issuer must be an origin without path, query or trailing slash (e.g. http://127.0.0.1:7400), got "${issuer}"`,
    );
  }
}

function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`dev-idp: port must be an integer in 0..65535, got ${port}`);
  }
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

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
