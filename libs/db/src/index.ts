export { createDatabase, migrateToLatest, ensureDatabaseExists, pgErrorKind, DatabaseUnavailableError, type Database, type PgErrorKind } from './database.js';
