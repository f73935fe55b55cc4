import { busCredentialsFromEnv, type BusCredentials } from '@portcullis/bus';
import { loadPortcullisConfig } from '@portcullis/config';
import { address, integer, configPath, databaseUrl, hostPort, instanceId, logLevel, namespace, eventsMaxBytes, natsUrl, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

export interface AuditConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  /** Where /metrics and /readyz are served (AUDIT_HTTP_ADDR). */
  readonly httpAddress: { host: string; port: number };
  /** Recorded events stay in the stream this long for its other readers (AUDIT_EVENTS_RETAIN_MS). */
  readonly eventsRetainMs: number;
  /** How often audit reads its lag and trims what it recorded (AUDIT_STREAM_WATCH_MS). */
  readonly streamWatchMs: number;
  /** Oldest unrecorded event age beyond which readiness is red (AUDIT_LAG_ALERT_SECONDS). */
  readonly lagAlertSeconds: number;
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** The service's own NATS identity (NATS_NKEY_SEED_FILE or NATS_CREDS_FILE); none connects anonymously. */
  readonly natsCredentials: BusCredentials | undefined;
  /** The event stream's size limit, should this service be the one to create it (PORTCULLIS_EVENTS_MAX_BYTES). */
  readonly eventsMaxBytes: number;
  readonly namespace: string;
  /** host:port of the identity service, which verifies readers' tokens. */
  readonly identityAddress: string;
  readonly instanceId: string;
  readonly logLevel: string;
  /** Principals in any of these groups may read the log (portcullis.yaml `audit.readerGroups`). */
  readonly readerGroups: readonly string[];
}

export function loadConfig(env: NodeJS.ProcessEnv): AuditConfig {
  const vars = readEnv(env, {
    AUDIT_GRPC_ADDR: address('127.0.0.1:50055'),
    AUDIT_HTTP_ADDR: address('127.0.0.1:9465'),
    AUDIT_EVENTS_RETAIN_MS: integer(3_600_000, 0, 30 * 86_400_000),
    AUDIT_STREAM_WATCH_MS: integer(5000, 50, 600_000),
    AUDIT_LAG_ALERT_SECONDS: integer(60, 0, 86_400),
    DATABASE_URL: databaseUrl(),
    NATS_URL: natsUrl(),
    PORTCULLIS_EVENTS_MAX_BYTES: eventsMaxBytes(),
    PORTCULLIS_NAMESPACE: namespace(),
    PORTCULLIS_CONFIG: configPath(),
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    AUDIT_INSTANCE_ID: instanceId(),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const identity = vars.IDENTITY_GRPC_ADDR;
  return Object.freeze({
    tls: tlsMaterial(vars, 'audit'),
    grpcAddress: vars.AUDIT_GRPC_ADDR,
    httpAddress: vars.AUDIT_HTTP_ADDR,
    eventsRetainMs: vars.AUDIT_EVENTS_RETAIN_MS,
    streamWatchMs: vars.AUDIT_STREAM_WATCH_MS,
    lagAlertSeconds: vars.AUDIT_LAG_ALERT_SECONDS,
    databaseUrl: vars.DATABASE_URL,
    natsUrl: vars.NATS_URL,
    natsCredentials: busCredentialsFromEnv(env),
    eventsMaxBytes: vars.PORTCULLIS_EVENTS_MAX_BYTES,
    namespace: vars.PORTCULLIS_NAMESPACE,
    identityAddress: hostPort(identity),
    instanceId: vars.AUDIT_INSTANCE_ID,
    logLevel: vars.LOG_LEVEL,
    readerGroups: file.audit.readerGroups,
  });
}
