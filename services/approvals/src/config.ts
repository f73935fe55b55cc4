import { busCredentialsFromEnv, type BusCredentials } from '@portcullis/bus';
import { address, databaseUrl, hostPort, instanceId, integer, logLevel, namespace, eventsMaxBytes, natsUrl, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

export interface ApprovalsConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** The service's own NATS identity (NATS_NKEY_SEED_FILE or NATS_CREDS_FILE); none connects anonymously. */
  readonly natsCredentials: BusCredentials | undefined;
  /** The event stream's size limit, should this service be the one to create it (PORTCULLIS_EVENTS_MAX_BYTES). */
  readonly eventsMaxBytes: number;
  readonly namespace: string;
  /** host:port of the identity service, which verifies approvers' tokens. */
  readonly identityAddress: string;
  readonly instanceId: string;
  /** How often overdue pending holds are expired. */
  readonly sweepIntervalMs: number;
  readonly logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv): ApprovalsConfig {
  const vars = readEnv(env, {
    APPROVALS_GRPC_ADDR: address('127.0.0.1:50053'),
    DATABASE_URL: databaseUrl(),
    NATS_URL: natsUrl(),
    PORTCULLIS_EVENTS_MAX_BYTES: eventsMaxBytes(),
    PORTCULLIS_NAMESPACE: namespace(),
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    APPROVALS_INSTANCE_ID: instanceId(),
    APPROVALS_SWEEP_INTERVAL_MS: integer(500, 10, 60_000),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const identity = vars.IDENTITY_GRPC_ADDR;
  return Object.freeze({
    tls: tlsMaterial(vars, 'approvals'),
    grpcAddress: vars.APPROVALS_GRPC_ADDR,
    databaseUrl: vars.DATABASE_URL,
    natsUrl: vars.NATS_URL,
    natsCredentials: busCredentialsFromEnv(env),
    eventsMaxBytes: vars.PORTCULLIS_EVENTS_MAX_BYTES,
    namespace: vars.PORTCULLIS_NAMESPACE,
    identityAddress: hostPort(identity),
    instanceId: vars.APPROVALS_INSTANCE_ID,
    sweepIntervalMs: vars.APPROVALS_SWEEP_INTERVAL_MS,
    logLevel: vars.LOG_LEVEL,
  });
}
