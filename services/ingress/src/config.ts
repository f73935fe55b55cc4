import { ConfigError, loadPortcullisConfig, resolveSecret, type HttpConnectionConfig } from '@portcullis/config';
import { address, configPath, hostPort, instanceId, integer, logLevel, namespace, natsUrl, readEnv } from '@portcullis/service-kit';

export interface IngressConnection {
  readonly config: HttpConnectionConfig;
  /** The credential injected upstream. Held in memory only; never logged or echoed. */
  readonly credential: string | undefined;
}

export interface IngressConfig {
  readonly httpAddress: { host: string; port: number };
  readonly identityAddress: string;
  readonly approvalsAddress: string;
  readonly maskingAddress: string;
  readonly natsUrl: string;
  readonly namespace: string;
  readonly instanceId: string;
  readonly decisionTimeoutMs: number;
  /** Event batches awaiting their JetStream ack at once; more events wait and join the next batch. */
  readonly eventBatchesInFlight: number;
  /** How long a decision policy marked cacheable is reused for identical requests (0: never). */
  readonly decisionCacheTtlMs: number;
  /** Requests handled at once (each may buffer a request and a response); beyond it, 503. */
  readonly maxInFlight: number;
  readonly logLevel: string;
  readonly connections: readonly IngressConnection[];
}

export function loadConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const vars = readEnv(env, {
    INGRESS_HTTP_ADDR: address('127.0.0.1:8080'),
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    APPROVALS_GRPC_ADDR: address('127.0.0.1:50053'),
    MASKING_GRPC_ADDR: address('127.0.0.1:50054'),
    NATS_URL: natsUrl(),
    PORTCULLIS_NAMESPACE: namespace(),
    PORTCULLIS_CONFIG: configPath(),
    INGRESS_INSTANCE_ID: instanceId(),
    INGRESS_DECISION_TIMEOUT_MS: integer(2000, 50, 60_000),
    INGRESS_DECISION_CACHE_TTL_MS: integer(30_000, 0, 3_600_000),
    INGRESS_EVENT_BATCHES_IN_FLIGHT: integer(1, 1, 64),
    INGRESS_MAX_IN_FLIGHT: integer(1024, 1, 1_000_000),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  // Resolve every credential now: a missing secret stops the start, listing all of them.
  const problems: string[] = [];
  const connections = file.connections.map((config) => {
    let credential: string | undefined;
    if (config.credential) {
      try {
        credential = resolveSecret(config.credential.secret, env);
      } catch (err) {
        problems.push(`connection ${config.name}: ${(err as ConfigError).problems?.join('; ') ?? (err as Error).message}`);
      }
    }
    return { config, credential };
  });
  if (problems.length > 0) throw new ConfigError(vars.PORTCULLIS_CONFIG, problems);
  return Object.freeze({
    httpAddress: vars.INGRESS_HTTP_ADDR,
    identityAddress: hostPort(vars.IDENTITY_GRPC_ADDR),
    approvalsAddress: hostPort(vars.APPROVALS_GRPC_ADDR),
    maskingAddress: hostPort(vars.MASKING_GRPC_ADDR),
    natsUrl: vars.NATS_URL,
    namespace: vars.PORTCULLIS_NAMESPACE,
    instanceId: vars.INGRESS_INSTANCE_ID,
    decisionTimeoutMs: vars.INGRESS_DECISION_TIMEOUT_MS,
    decisionCacheTtlMs: vars.INGRESS_DECISION_CACHE_TTL_MS,
    eventBatchesInFlight: vars.INGRESS_EVENT_BATCHES_IN_FLIGHT,
    maxInFlight: vars.INGRESS_MAX_IN_FLIGHT,
    logLevel: vars.LOG_LEVEL,
    connections,
  });
}
