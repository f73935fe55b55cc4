import { PortcullisError } from '@portcullis/errors';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';

export interface Database<DB> {
  /** Kysely bound to the service's own schema: every query goes to `<schema>.<table>`. */
  readonly db: Kysely<DB>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends PortcullisError<'DATABASE_UNAVAILABLE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options);
  }
}

/** Opens a pool for one service's schema. Each service owns one schema and never reads another's. */
export function createDatabase<DB>(options: { url: string; schema: string; max?: number; applicationName: string }): Database<DB> {
  if (!/^[a-z][a-z0-9_]*$/.test(options.schema)) throw new Error(`invalid schema name "${options.schema}"`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }).withSchema(options.schema);
  return {
    db,
    pool,
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Creates the schema if needed and applies the service's migrations in order. Migrations are
 * passed in as modules (not read from a folder) so the compiled service carries them.
 * A Postgres advisory lock serialises concurrent starts of several instances.
 */
export async function migrateToLatest<DB>(database: Database<DB>, schema: string, migrations: Record<string, Migration>): Promise<void> {
  const raw = database.db as Kysely<unknown>;
  // `if not exists` is not safe against a concurrent create (two instances starting at once: a
  // unique violation on pg_namespace); the loser finds the schema there and goes on.
  await sql`create schema if not exists ${sql.id(schema)}`.execute(raw).catch(async (err: unknown) => {
    if ((err as { code?: string }).code !== '23505') throw err;
  });
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db: raw, provider, migrationTableSchema: schema });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} of schema ${schema} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
}

/**
 * Creates the database named in `url` if it does not exist (connecting to the server's "postgres"
 * database to do so). Used by `npm start` and tests; services expect their database to exist.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`invalid database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseUnavailableError(`cannot connect to PostgreSQL at ${target.host}: ${(err as Error).message}`);
  }
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await client.query(`create database "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

export type PgErrorKind = 'unique_violation' | 'foreign_key_violation' | 'check_violation' | 'serialization_failure' | 'raise_exception' | 'insufficient_privilege' | 'unavailable' | 'other';

/** Maps a pg error to a kind the domain can branch on. */
export function pgErrorKind(err: unknown): PgErrorKind {
  const code = (err as { code?: string }).code;
  switch (code) {
    case '23505':
      return 'unique_violation';
    case '23503':
      return 'foreign_key_violation';
    case '23514':
      return 'check_violation';
    case '40001':
    case '40P01':
      return 'serialization_failure';
    case 'P0001':
      return 'raise_exception';
    case '42501':
      return 'insufficient_privilege';
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case '57P01':
    case '08006':
    case '08001':
      return 'unavailable';
    default:
      return 'other';
  }
}
