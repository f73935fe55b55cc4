export { parsePortcullisConfig, loadPortcullisConfig, resolveSecret, ConfigError } from './load.js';
export { parseDuration } from './duration.js';
export { portcullisConfigSchema } from './schema.js';
export type {
  PortcullisConfig,
  PortcullisConfigInput,
  IssuerConfig,
  DevIdpConfig,
  HttpConnectionConfig,
  MaskingProfileConfig,
  SecretRef,
} from './schema.js';
