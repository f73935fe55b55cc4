import { loadPortcullisConfig, type MaskingProfileConfig } from '@portcullis/config';
import { address, configPath, logLevel, readEnv, tlsEnv, tlsMaterial, type TlsMaterial } from '@portcullis/service-kit';

export interface MaskingConfig {
  /** Mutual TLS of its gRPC server and clients (PORTCULLIS_TLS_CA, _CERT, _KEY). */
  readonly tls: TlsMaterial;
  readonly grpcAddress: { host: string; port: number };
  readonly logLevel: string;
  readonly profiles: readonly MaskingProfileConfig[];
}

export function loadConfig(env: NodeJS.ProcessEnv): MaskingConfig {
  const vars = readEnv(env, {
    MASKING_GRPC_ADDR: address('127.0.0.1:50054'),
    PORTCULLIS_CONFIG: configPath(),
    LOG_LEVEL: logLevel(),
    ...tlsEnv(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  return Object.freeze({ tls: tlsMaterial(vars, 'masking'), grpcAddress: vars.MASKING_GRPC_ADDR, logLevel: vars.LOG_LEVEL, profiles: file.maskingProfiles });
}
