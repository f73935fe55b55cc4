export { natsUrl, postgresUrl, createTestDatabase, deleteStreams, divertStream, uniqueNamespace, uniqueSuffix, eventually, type TestDatabase } from './infra.js';
