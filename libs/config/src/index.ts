export { parsePortcullisConfig, loadPortcullisConfig, resolveSecret, ConfigError } from './load.js';
export { parseDuration } from './duration.js';
export { connectionFacts, portcullisConfigSchema } from './schema.js';
export type {
  PortcullisConfig,
  PortcullisConfigInput,
  IssuerConfig,
  DevIdpConfig,
  ConnectionConfig,
  HttpConnectionConfig,
  PostgresConnectionConfig,
  PostgresListenerConfig,
  MaskingProfileConfig,
  SecretRef,
} from './schema.js';
