import { busCredentialsFromEnv, type BusCredentials } from '@portcullis/bus';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, decodeKey32, loadPortcullisConfig, resolveSecret, type LimitsConfig, type HttpConnectionConfig, type McpConnectionConfig, type McpGatewayConfig, type PostgresConnectionConfig, type PostgresListenerConfig, type SecretRef } from '@portcullis/config';
import { address, configPath, databaseUrl, hostPort, instanceId, integer, logLevel, namespace, eventsMaxBytes, natsUrl, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

export interface IngressConnection {
  readonly config: HttpConnectionConfig;
  /** The credential injected upstream. Held in memory only; never logged or echoed. */
  readonly credential: string | undefined;
}

export interface PostgresConnection {
  readonly config: PostgresConnectionConfig;
  /** The gateway's own database password. Held in memory only; never logged or echoed. */
  readonly password: string | undefined;
  /** PEM of the CA that signs the database's certificate (tls verify-full). */
  readonly ca: Buffer | undefined;
}

/** How the gateway authenticates to an MCP upstream, secrets resolved. Held in memory only. */
export type McpUpstreamCredential =
  | { readonly kind: 'header'; readonly header: string; readonly value: string }
  | { readonly kind: 'clientCredentials'; readonly tokenUrl: string; readonly clientId: string; readonly clientSecret: string; readonly scope?: string; readonly resource?: string };

export interface McpConnection {
  readonly config: McpConnectionConfig;
  readonly credential: McpUpstreamCredential | undefined;
  /** stdio: the environment the process gets (secrets resolved), and its working directory. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** The MCP endpoints' settings, with the session sealing key resolved (32 bytes). */
export interface McpGatewaySettings extends Omit<McpGatewayConfig, 'sessionKey'> {
  /** Undefined: the process makes a random key (its sessions do not move to another instance). */
  readonly sessionKey: Buffer | undefined;
}

/** The PostgreSQL listener: its address and settings, with TLS material read. */
export interface PostgresListenerSettings extends Omit<PostgresListenerConfig, 'tls'> {
  readonly address: { host: string; port: number };
  readonly tls: { readonly cert: Buffer; readonly key: Buffer; readonly required: boolean } | undefined;
}

export interface IngressConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly httpAddress: { host: string; port: number };
  readonly identityAddress: string;
  readonly approvalsAddress: string;
  readonly maskingAddress: string;
  /** The tokenise style's HMAC key (masking.tokenKey), added to every profile fetched from the masking service. */
  readonly maskingTokenKey?: Buffer;
  readonly natsUrl: string;
  /** The service's own NATS identity (NATS_NKEY_SEED_FILE or NATS_CREDS_FILE); none connects anonymously. */
  readonly natsCredentials: BusCredentials | undefined;
  /** The event stream's size limit, should this service be the one to create it (PORTCULLIS_EVENTS_MAX_BYTES). */
  readonly eventsMaxBytes: number;
  /** Event stream fill (percent) from which new requests are refused with 503 (INGRESS_EVENTS_HIGH_WATER_PERCENT). */
  readonly eventsHighWaterPercent: number;
  /** How often the event stream's fill is read (INGRESS_STREAM_CHECK_MS). */
  readonly streamCheckMs: number;
  /** Ingress's own schema (`ingress`): MCP tool pins. */
  readonly databaseUrl: string;
  readonly namespace: string;
  readonly instanceId: string;
  readonly decisionTimeoutMs: number;
  /** Event batches awaiting their JetStream ack at once; more events wait and join the next batch. */
  readonly eventBatchesInFlight: number;
  /** How long a decision policy marked cacheable is reused for identical requests (0: never). */
  readonly decisionCacheTtlMs: number;
  /**
   * Refusals of unverified callers are recorded one by one only as the first of each source, code
   * and protocol in this window; the rest are counted into one summary per window (0: each recorded).
   */
  readonly authFailureWindowMs: number;
  /** Requests handled at once (each may buffer a request and a response); beyond it, 503. */
  readonly maxInFlight: number;
  readonly logLevel: string;
  readonly connections: readonly IngressConnection[];
  readonly postgresConnections: readonly PostgresConnection[];
  readonly postgres: PostgresListenerSettings;
  readonly mcpConnections: readonly McpConnection[];
  readonly mcp: McpGatewaySettings;
  /** What one principal may have of this instance at once (Retry-After in whole seconds). */
  readonly limits: {
    readonly perPrincipal: Omit<LimitsConfig['perPrincipal'], 'retryAfter'> & { readonly retryAfterSeconds: number };
    readonly overrides: LimitsConfig['overrides'];
  };
  /** The trusted OpenID issuers (named as authorization servers in the MCP protected resource metadata; a SAML IdP is none). */
  readonly issuers: readonly string[];
}

export function loadConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const vars = readEnv(env, {
    INGRESS_HTTP_ADDR: address('127.0.0.1:8080'),
    INGRESS_PG_ADDR: address('127.0.0.1:15432'),
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    APPROVALS_GRPC_ADDR: address('127.0.0.1:50053'),
    MASKING_GRPC_ADDR: address('127.0.0.1:50054'),
    NATS_URL: natsUrl(),
    PORTCULLIS_EVENTS_MAX_BYTES: eventsMaxBytes(),
    DATABASE_URL: databaseUrl(),
    PORTCULLIS_NAMESPACE: namespace(),
    PORTCULLIS_CONFIG: configPath(),
    INGRESS_INSTANCE_ID: instanceId(),
    INGRESS_DECISION_TIMEOUT_MS: integer(2000, 50, 60_000),
    INGRESS_DECISION_CACHE_TTL_MS: integer(30_000, 0, 3_600_000),
    INGRESS_AUTH_FAILURE_WINDOW_MS: integer(10_000, 0, 3_600_000),
    INGRESS_EVENT_BATCHES_IN_FLIGHT: integer(1, 1, 64),
    INGRESS_MAX_IN_FLIGHT: integer(1024, 1, 1_000_000),
    INGRESS_EVENTS_HIGH_WATER_PERCENT: integer(90, 1, 100),
    INGRESS_STREAM_CHECK_MS: integer(1000, 50, 60_000),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  // Resolve every credential now: a missing secret stops the start, listing all of them.
  const problems: string[] = [];
  const secret = (ref: SecretRef, what: string): string | undefined => {
    try {
      return resolveSecret(ref, env);
    } catch (err) {
      problems.push(`${what}: ${(err as ConfigError).problems?.join('; ') ?? (err as Error).message}`);
      return undefined;
    }
  };
  const base = dirname(resolve(vars.PORTCULLIS_CONFIG));
  const readConfigFile = (path: string, what: string): Buffer | undefined => {
    try {
      return readFileSync(resolve(base, path));
    } catch (err) {
      problems.push(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  };
  const connections: IngressConnection[] = [];
  const postgresConnections: PostgresConnection[] = [];
  const mcpConnections: McpConnection[] = [];
  for (const config of file.connections) {
    if (config.type === 'http') {
      connections.push({ config, credential: config.credential ? secret(config.credential.secret, `connection ${config.name}`) : undefined });
    } else if (config.type === 'mcp') {
      mcpConnections.push(mcpConnection(config, base, secret));
    } else {
      postgresConnections.push({
        config,
        password: config.credential ? secret(config.credential.password, `connection ${config.name}`) : undefined,
        ca: config.tls.ca ? readConfigFile(config.tls.ca.file, `connection ${config.name}: tls.ca`) : undefined,
      });
    }
  }
  const listenerTls = file.postgres.tls;
  const tls = listenerTls
    ? { cert: readConfigFile(listenerTls.cert.file, 'postgres.tls.cert'), key: readConfigFile(listenerTls.key.file, 'postgres.tls.key'), required: listenerTls.required }
    : undefined;
  const sessionKey = file.mcp.sessionKey ? sealingKey(secret(file.mcp.sessionKey, 'mcp.sessionKey'), problems) : undefined;
  const maskingTokenKey = file.masking.tokenKey ? tokenKey(secret(file.masking.tokenKey, 'masking.tokenKey'), problems) : undefined;
  if (problems.length > 0) throw new ConfigError(vars.PORTCULLIS_CONFIG, problems);
  const postgres: PostgresListenerSettings = { ...file.postgres, address: vars.INGRESS_PG_ADDR, tls: tls ? { cert: tls.cert!, key: tls.key!, required: tls.required } : undefined };
  return Object.freeze({
    tls: tlsMaterial(vars, 'ingress'),
    httpAddress: vars.INGRESS_HTTP_ADDR,
    identityAddress: hostPort(vars.IDENTITY_GRPC_ADDR),
    approvalsAddress: hostPort(vars.APPROVALS_GRPC_ADDR),
    maskingAddress: hostPort(vars.MASKING_GRPC_ADDR),
    natsUrl: vars.NATS_URL,
    natsCredentials: busCredentialsFromEnv(env),
    eventsMaxBytes: vars.PORTCULLIS_EVENTS_MAX_BYTES,
    eventsHighWaterPercent: vars.INGRESS_EVENTS_HIGH_WATER_PERCENT,
    streamCheckMs: vars.INGRESS_STREAM_CHECK_MS,
    databaseUrl: vars.DATABASE_URL,
    namespace: vars.PORTCULLIS_NAMESPACE,
    instanceId: vars.INGRESS_INSTANCE_ID,
    decisionTimeoutMs: vars.INGRESS_DECISION_TIMEOUT_MS,
    decisionCacheTtlMs: vars.INGRESS_DECISION_CACHE_TTL_MS,
    authFailureWindowMs: vars.INGRESS_AUTH_FAILURE_WINDOW_MS,
    eventBatchesInFlight: vars.INGRESS_EVENT_BATCHES_IN_FLIGHT,
    maxInFlight: vars.INGRESS_MAX_IN_FLIGHT,
    logLevel: vars.LOG_LEVEL,
    connections,
    postgresConnections,
    postgres,
    mcpConnections,
    mcp: { ...file.mcp, sessionKey },
    ...(maskingTokenKey ? { maskingTokenKey } : {}),
    limits: {
      perPrincipal: {
        concurrentRequests: file.limits.perPrincipal.concurrentRequests,
        pendingHolds: file.limits.perPrincipal.pendingHolds,
        bufferedBodyBytes: file.limits.perPrincipal.bufferedBodyBytes,
        retryAfterSeconds: Math.ceil(file.limits.perPrincipal.retryAfter / 1000),
      },
      overrides: file.limits.overrides,
    },
    issuers: file.issuers.filter((i) => i.protocol === 'oidc').map((i) => i.issuer),
  });
}

function mcpConnection(config: McpConnectionConfig, base: string, secret: (ref: SecretRef, what: string) => string | undefined): McpConnection {
  const what = `connection ${config.name}`;
  let credential: McpUpstreamCredential | undefined;
  if (config.credential && 'clientCredentials' in config.credential) {
    const cc = config.credential.clientCredentials;
    // The resource indicator defaults to the upstream's URL (RFC 8707: the token is for that server).
    const resource = cc.resource ?? config.upstream;
    credential = { kind: 'clientCredentials', tokenUrl: cc.tokenUrl, clientId: cc.clientId, clientSecret: secret(cc.clientSecret, `${what}: clientSecret`) ?? '', ...(cc.scope ? { scope: cc.scope } : {}), ...(resource ? { resource } : {}) };
  } else if (config.credential) {
    const value = secret(config.credential.secret, what) ?? '';
    credential = { kind: 'header', header: config.credential.header.toLowerCase(), value: config.credential.scheme ? `${config.credential.scheme} ${value}` : value };
  }
  const env: Record<string, string> = {};
  for (const [name, ref] of Object.entries(config.env)) env[name] = secret(ref, `${what}: env ${name}`) ?? '';
  return { config, credential, env, cwd: resolve(base, config.cwd ?? '.') };
}

/** A 32-byte key from base64 or hex text. */
function sealingKey(text: string | undefined, problems: string[]): Buffer | undefined {
  if (text === undefined) return undefined;
  const key = decodeKey32(text);
  if (key === undefined) problems.push('mcp.sessionKey: must be 32 bytes, as 64 hex digits or base64');
  return key;
}

function tokenKey(text: string | undefined, problems: string[]): Buffer | undefined {
  if (text === undefined) return undefined;
  const key = decodeKey32(text);
  if (key === undefined) problems.push('masking.tokenKey: must be 32 bytes, as 64 hex digits or base64');
  return key;
}
