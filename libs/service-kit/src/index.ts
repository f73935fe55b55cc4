export { readEnv, EnvError, address, hostPort, instanceId, url, string, oneOf, integer, namespace, logLevel, natsUrl, eventsMaxBytes, databaseUrl, configPath, type EnvVar, type Address } from './env.js';
export { createLogger, type Logger } from './logger.js';
export { GrpcServer, type GrpcServiceBinding } from './grpc-server.js';
export { grpcError, grpcReason, bearerFromMetadata, parseBearer, unary } from './grpc-errors.js';
export { runService, serve, exitWithConfigError, type App, type Lifecycle } from './lifecycle.js';
export { FAST_RECONNECT, callUnary } from './grpc-channel-options.js';
export { every, HealthLog, type Periodic } from './periodic.js';
export { PEERS, PEER_URI_PREFIX, peerUri, peerFromSubjectAltName, pemFile, tlsEnv, tlsMaterial, tlsProblems, serverCredentials, clientCredentials, tlsChannelOptions, callerOf, type Peer, type TlsMaterial } from './tls.js';
export { authorizeCaller, CALLER_REFUSAL_CODES, type Callers, type CallerTable, type CallerRefusalCode, type CallerVerdict } from './callers.js';
