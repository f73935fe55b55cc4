import type { PreparedStatementReader, SqlAnalyzer } from '@portcullis/sql-analysis';
import type { PostgresConnection } from '../config.js';
import type { Catalog } from './catalog.js';

/** A PostgreSQL connection as the listener serves it: its config, its catalog reader, the SQL readers. */
export interface PgConnectionRuntime {
  readonly connection: PostgresConnection;
  readonly catalog: Catalog;
  readonly analyzer: SqlAnalyzer;
  readonly reader: PreparedStatementReader;
}
