import { loadPortcullisConfig } from '@portcullis/config';
import { address, configPath, databaseUrl, hostPort, instanceId, logLevel, namespace, natsUrl, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

export interface AuditConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  readonly databaseUrl: string;
  readonly natsUrl: string;
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
    ...tlsEnv(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  const identity = vars.IDENTITY_GRPC_ADDR;
  return Object.freeze({
    tls: tlsMaterial(vars, 'audit'),
    grpcAddress: vars.AUDIT_GRPC_ADDR,
    databaseUrl: vars.DATABASE_URL,
    natsUrl: vars.NATS_URL,
    namespace: vars.PORTCULLIS_NAMESPACE,
    identityAddress: hostPort(identity),
    instanceId: vars.AUDIT_INSTANCE_ID,
    logLevel: vars.LOG_LEVEL,
    readerGroups: file.audit.readerGroups,
  });
}
