import { loadPortcullisConfig, type MaskingProfileConfig } from '@portcullis/config';
import { address, configPath, logLevel, readEnv } from '@portcullis/service-kit';

export interface MaskingConfig {
  readonly grpcAddress: { host: string; port: number };
  readonly logLevel: string;
  readonly profiles: readonly MaskingProfileConfig[];
}

export function loadConfig(env: NodeJS.ProcessEnv): MaskingConfig {
  const vars = readEnv(env, {
    MASKING_GRPC_ADDR: address('127.0.0.1:50054'),
    PORTCULLIS_CONFIG: configPath(),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  return Object.freeze({ grpcAddress: vars.MASKING_GRPC_ADDR, logLevel: vars.LOG_LEVEL, profiles: file.maskingProfiles });
}
