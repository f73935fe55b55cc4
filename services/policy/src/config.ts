import { loadPortcullisConfig, type PolicyRuleConfig } from '@portcullis/config';
import { address, configPath, instanceId, logLevel, namespace, natsUrl, readEnv } from '@portcullis/service-kit';

export interface PolicyConfig {
  readonly grpcAddress: { host: string; port: number };
  readonly natsUrl: string;
  readonly namespace: string;
  readonly instanceId: string;
  readonly logLevel: string;
  readonly rules: readonly PolicyRuleConfig[];
}

export function loadConfig(env: NodeJS.ProcessEnv): PolicyConfig {
  const vars = readEnv(env, {
    POLICY_GRPC_ADDR: address('127.0.0.1:50052'),
    NATS_URL: natsUrl(),
    PORTCULLIS_NAMESPACE: namespace(),
    PORTCULLIS_CONFIG: configPath(),
    POLICY_INSTANCE_ID: instanceId(),
    LOG_LEVEL: logLevel(),
  });
  const file = loadPortcullisConfig(vars.PORTCULLIS_CONFIG);
  return Object.freeze({
    grpcAddress: vars.POLICY_GRPC_ADDR,
    natsUrl: vars.NATS_URL,
    namespace: vars.PORTCULLIS_NAMESPACE,
    instanceId: vars.POLICY_INSTANCE_ID,
    logLevel: vars.LOG_LEVEL,
    rules: file.policies,
  });
}
