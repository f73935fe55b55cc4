export { parsePortcullisConfig, loadPortcullisConfig, resolveSecret, ConfigError } from './load.js';
export { parseDuration } from './duration.js';
export { decodeKey32 } from './keys.js';
export { connectionFacts, portcullisConfigSchema, MCP_PROTOCOL_VERSIONS } from './schema.js';
export type {
  PortcullisConfig,
  PortcullisConfigInput,
  IssuerConfig,
  OidcIssuerConfig,
  SamlIssuerConfig,
  ClaimPath,
  KindRule,
  DevIdpConfig,
  ConnectionConfig,
  HttpConnectionConfig,
  PostgresConnectionConfig,
  PostgresListenerConfig,
  McpConnectionConfig,
  McpGatewayConfig,
  McpProtocolVersion,
  MaskingProfileConfig,
  LimitsConfig,
  SecretRef,
} from './schema.js';
