import { ConfigError, decodeKey32, loadPortcullisConfig, resolveSecret, type MaskingProfileConfig } from '@portcullis/config';
import { address, configPath, logLevel, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

export interface MaskingConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  readonly logLevel: string;
  readonly profiles: readonly MaskingProfileConfig[];
  /** The tokenise style's HMAC key (masking.tokenKey), for the Mask call; never sent to callers. */
  readonly tokenKey?: Buffer;
}

export function loadConfig(env: NodeJS.ProcessEnv): MaskingConfig {
  const vars = readEnv(env, {
    MASKING_GRPC_ADDR: address('127.0.0.1:50054'),
    PORTCULLIS_CONFIG: configPath(),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  let tokenKey: Buffer | undefined;
  if (file.masking.tokenKey) {
    tokenKey = decodeKey32(resolveSecret(file.masking.tokenKey, env));
    if (tokenKey === undefined) throw new ConfigError(vars.PORTCULLIS_CONFIG, ['masking.tokenKey: must be 32 bytes, as 64 hex digits or base64']);
  }
  return Object.freeze({ tls: tlsMaterial(vars, 'masking'), grpcAddress: vars.MASKING_GRPC_ADDR, logLevel: vars.LOG_LEVEL, profiles: file.maskingProfiles, ...(tokenKey ? { tokenKey } : {}) });
}
