import { busCredentialsFromEnv, type BusCredentials } from '@portcullis/bus';
import { loadPortcullisConfig } from '@portcullis/config';
import { address, configPath, databaseUrl, hostPort, instanceId, logLevel, namespace, natsUrl, readEnv } from '@portcullis/service-kit';

export interface AuditConfig {
  readonly grpcAddress: { host: string; port: number };
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** The service's own NATS identity (NATS_NKEY_SEED_FILE or NATS_CREDS_FILE); none connects anonymously. */
  readonly natsCredentials: BusCredentials | undefined;
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
    DATABASE_URL: databaseUrl(),
    NATS_URL: natsUrl(),
    PORTCULLIS_NAMESPACE: namespace(),
    PORTCULLIS_CONFIG: configPath(),
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    AUDIT_INSTANCE_ID: instanceId(),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const identity = vars.IDENTITY_GRPC_ADDR;
  return Object.freeze({
    grpcAddress: vars.AUDIT_GRPC_ADDR,
    databaseUrl: vars.DATABASE_URL,
    natsUrl: vars.NATS_URL,
    natsCredentials: busCredentialsFromEnv(env),
    namespace: vars.PORTCULLIS_NAMESPACE,
    identityAddress: hostPort(identity),
    instanceId: vars.AUDIT_INSTANCE_ID,
    logLevel: vars.LOG_LEVEL,
    readerGroups: file.audit.readerGroups,
  });
}
