export { readEnv, EnvError, address, url, string, oneOf, integer, namespace, logLevel, type EnvVar } from './env.js';
export { createLogger, type Logger } from './logger.js';
export { GrpcServer, type GrpcServiceBinding } from './grpc-server.js';
export { grpcError, grpcReason, bearerFromMetadata, unary } from './grpc-errors.js';
export { runService, exitWithConfigError, type App, type Lifecycle } from './lifecycle.js';
export { FAST_RECONNECT } from './grpc-channel-options.js';
