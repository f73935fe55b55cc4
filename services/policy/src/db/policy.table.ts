import type { ColumnType, Generated } from 'kysely';
import type { DocumentFormat } from '../domain/index.js';

/** The service's own PostgreSQL schema. */
export const SCHEMA = 'policy';

/** Row types of the `policy` schema. Only repositories see them; everything else sees domain types. */
export interface PolicyDB {
  head: HeadTable;
  documents: DocumentsTable;
  revisions: RevisionsTable;
  outbox: OutboxTable;
}

// bigint columns: pg returns them as decimal strings; repositories convert to numbers.

/** The one row (id 1) every change locks FOR UPDATE: the version in force and its set digest. */
export interface HeadTable {
  id: ColumnType<number, never, never>;
  version: ColumnType<string, never, number>;
  digest: ColumnType<string, never, string>;
  /** Random per database: makes event ids unique even if a database is recreated from scratch. */
  store_id: ColumnType<string, never, never>;
  updated_at: ColumnType<Date, never, never>;
}

/** Current documents. A deleted one stays as a row without text, so its seeding history survives. */
export interface DocumentsTable {
  name: string;
  format: DocumentFormat;
  /** null once deleted. */
  text: string | null;
  /** sha256 of text, hex; null exactly when text is. */
  digest: string | null;
  updated_by: string;
  updated_at: ColumnType<Date, never, Date>;
  /** The revision that changed the document last (0 if none has yet: seeded to an equal text). */
  version: ColumnType<string, number, number>;
  /** Digest of the file text it was last seeded from; null if it never came from a file. */
  seeded_digest: string | null;
}

/** The append-only history: the database refuses UPDATE, DELETE and TRUNCATE. */
export interface RevisionsTable {
  version: ColumnType<string, number, never>;
  previous_version: ColumnType<string, number, never>;
  changed_by: ColumnType<string, string, never>;
  /** DocumentChange[] as JSON (see revisions.repository.ts), read as unknown until validated. */
  changes: ColumnType<unknown, string, never>;
  digest: ColumnType<string, string, never>;
  created_at: ColumnType<Date, never, never>;
}

/** PolicyChanged events committed with their revision, waiting for (or done with) the relay. */
export interface OutboxTable {
  /** bigint identity: publication order. */
  id: Generated<string>;
  event_id: string;
  version: ColumnType<string, number, never>;
  /** eventsV1.Event, protobuf-encoded. */
  payload: Buffer;
  created_at: ColumnType<Date, never, never>;
  published_at: ColumnType<Date | null, never, Date>;
}
