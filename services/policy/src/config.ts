import { busCredentialsFromEnv, type BusCredentials } from '@portcullis/bus';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, connectionFacts, parsePortcullisConfig } from '@portcullis/config';
import { address, configPath, databaseUrl, hostPort, instanceId, integer, logLevel, namespace, eventsMaxBytes, natsUrl, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

/** What a policy is compiled against: the connections (with their tags) and masking profiles that exist. */
export interface CompileContext {
  readonly connections: readonly { readonly name: string; readonly tags: readonly string[]; readonly decisionHeaders?: readonly string[] }[];
  readonly maskingProfiles: readonly string[];
}

export interface PolicyConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  readonly natsUrl: string;
  /** The service's own NATS identity (NATS_NKEY_SEED_FILE or NATS_CREDS_FILE); none connects anonymously. */
  readonly natsCredentials: BusCredentials | undefined;
  /** The event stream's size limit, should this service be the one to create it (PORTCULLIS_EVENTS_MAX_BYTES). */
  readonly eventsMaxBytes: number;
  readonly databaseUrl: string;
  readonly namespace: string;
  /** host:port of the identity service, which verifies admins' tokens. */
  readonly identityAddress: string;
  readonly instanceId: string;
  readonly logLevel: string;
  /** How often the stored head version is checked, in case a PolicyChanged was missed. */
  readonly reloadIntervalMs: number;
  /** portcullis.yaml: its path, and its text (stored as the "portcullis.yaml" document). */
  readonly configFile: { readonly path: string; readonly text: string };
  /**
   * Where policy documents are seeded from (absolute). `explicit`: named by `policy.directory`, so
   * its absence is worth a warning; otherwise the default "policies" beside the config file.
   */
  readonly policyDirectory: { readonly path: string; readonly explicit: boolean };
  readonly context: CompileContext;
  /** Principals in any of these groups may manage and explain the policy (`policy.adminGroups`). */
  readonly adminGroups: readonly string[];
}

export function loadConfig(env: NodeJS.ProcessEnv): PolicyConfig {
  const vars = readEnv(env, {
    POLICY_GRPC_ADDR: address('127.0.0.1:50052'),
    NATS_URL: natsUrl(),
    PORTCULLIS_EVENTS_MAX_BYTES: eventsMaxBytes(),
    DATABASE_URL: databaseUrl(),
    PORTCULLIS_NAMESPACE: namespace(),
    PORTCULLIS_CONFIG: configPath(),
    IDENTITY_GRPC_ADDR: address('127.0.0.1:50051'),
    POLICY_INSTANCE_ID: instanceId(),
    POLICY_RELOAD_INTERVAL_MS: integer(1000, 50, 600_000),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const path = resolve(vars.PORTCULLIS_CONFIG);
  // Read once: the document stored is exactly the text whose connections and profiles are used.
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const file = parsePortcullisConfig(text, path);
  const directory = file.policy.directory;
  return Object.freeze({
    tls: tlsMaterial(vars, 'policy'),
    grpcAddress: vars.POLICY_GRPC_ADDR,
    natsUrl: vars.NATS_URL,
    natsCredentials: busCredentialsFromEnv(env),
    eventsMaxBytes: vars.PORTCULLIS_EVENTS_MAX_BYTES,
    databaseUrl: vars.DATABASE_URL,
    namespace: vars.PORTCULLIS_NAMESPACE,
    identityAddress: hostPort(vars.IDENTITY_GRPC_ADDR),
    instanceId: vars.POLICY_INSTANCE_ID,
    logLevel: vars.LOG_LEVEL,
    reloadIntervalMs: vars.POLICY_RELOAD_INTERVAL_MS,
    configFile: { path, text },
    policyDirectory: { path: resolve(dirname(path), directory ?? 'policies'), explicit: directory !== undefined },
    context: {
      connections: file.connections.map((c) => ({ name: c.name, ...connectionFacts(c) })),
      maskingProfiles: file.maskingProfiles.map((p) => p.name),
    },
    adminGroups: file.policy.adminGroups,
  });
}

