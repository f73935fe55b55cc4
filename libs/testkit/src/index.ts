export { natsUrl, postgresUrl, createTestDatabase, deleteStreams, divertStream, uniqueNamespace, uniqueSuffix, eventually, type TestDatabase, type NatsLogin } from './infra.js';
export { startPrivatePostgres, type PrivatePostgres, type PrivatePostgresOptions } from './private-postgres.js';
export { makeTestCertificates, type TestCertificates } from './certificates.js';
export { dropRootTo, type OsAccount } from './os-account.js';
export { testPki, testTlsEnv, testTls, testClientCredentials } from './tls.js';
