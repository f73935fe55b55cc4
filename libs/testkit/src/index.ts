export { natsUrl, postgresUrl, createTestDatabase, deleteStreams, uniqueNamespace, uniqueSuffix, eventually, type TestDatabase } from './infra.js';
