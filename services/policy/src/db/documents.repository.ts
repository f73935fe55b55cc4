import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { documentDigest, type DocumentFormat, type PolicyDocument } from '../domain/index.js';
import type { DocumentsTable, PolicyDB } from './policy.table.js';

/** The caller owns the transaction: pass the Kysely for a single statement, a Transaction to group. */
export type Executor = Kysely<PolicyDB> | Transaction<PolicyDB>;

/** The head of the store: the version in force and its set digest. */
export interface Head {
  readonly version: number;
  readonly digest: string;
  readonly storeId: string;
}

/** A document row, deleted ones included (without text): what seeding compares files with. */
export interface StoredDocument {
  readonly name: string;
  readonly format: DocumentFormat;
  /** Undefined once deleted. */
  readonly current?: PolicyDocument;
  readonly seededDigest?: string;
}

/**
 * Locks the head row until the transaction ends: every change takes it first, so changes from all
 * instances are serialized and each sees the one before it.
 */
export async function lockHead(trx: Transaction<PolicyDB>): Promise<Head> {
  const row = await trx.selectFrom('head').select(['version', 'digest', 'store_id']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
  return headFromRow(row);
}

export async function readHead(db: Executor): Promise<Head> {
  const row = await db.selectFrom('head').select(['version', 'digest', 'store_id']).where('id', '=', 1).executeTakeFirstOrThrow();
  return headFromRow(row);
}

export async function advanceHead(trx: Transaction<PolicyDB>, version: number, digest: string): Promise<void> {
  await trx.updateTable('head').set({ version, digest }).where('id', '=', 1).execute();
}

/** Every document row, deleted ones included, by name. */
export async function listStoredDocuments(db: Executor): Promise<StoredDocument[]> {
  const rows = await db.selectFrom('documents').selectAll().orderBy('name').execute();
  return rows.map(storedFromRow);
}

/** The documents in force (deleted ones left out), by name. */
export async function listDocuments(db: Executor): Promise<PolicyDocument[]> {
  const rows = await db.selectFrom('documents').selectAll().where('text', 'is not', null).orderBy('name').execute();
  return rows.map((row) => storedFromRow(row).current!);
}

export async function findDocument(db: Executor, name: string): Promise<PolicyDocument | undefined> {
  const row = await db.selectFrom('documents').selectAll().where('name', '=', name).where('text', 'is not', null).executeTakeFirst();
  return row && storedFromRow(row).current;
}

export interface DocumentWrite {
  readonly name: string;
  readonly format: DocumentFormat;
  /** undefined: deleted. */
  readonly text?: string;
  readonly digest?: string;
  readonly updatedBy: string;
  readonly version: number;
  /** Given when the text comes from a file; left as it was otherwise. */
  readonly seededDigest?: string;
}

/** Writes a document's new state (a put, or a delete as a row without text). */
export async function writeDocument(trx: Transaction<PolicyDB>, write: DocumentWrite): Promise<void> {
  const values = {
    format: write.format,
    text: write.text ?? null,
    digest: write.digest ?? null,
    updated_by: write.updatedBy,
    version: write.version,
    ...(write.seededDigest !== undefined ? { seeded_digest: write.seededDigest } : {}),
  };
  await trx
    .insertInto('documents')
    .values({ name: write.name, ...values })
    .onConflict((oc) => oc.column('name').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}

/** Records that a document was seeded from a file with this digest (its text already equal). */
export async function markSeeded(trx: Transaction<PolicyDB>, name: string, seededDigest: string): Promise<void> {
  await trx.updateTable('documents').set({ seeded_digest: seededDigest }).where('name', '=', name).execute();
}

function headFromRow(row: { version: string; digest: string; store_id: string }): Head {
  return { version: Number(row.version), digest: row.digest, storeId: row.store_id };
}

function storedFromRow(row: Selectable<DocumentsTable>): StoredDocument {
  const seeded = row.seeded_digest !== null ? { seededDigest: row.seeded_digest } : {};
  const base = { name: row.name, format: row.format, ...seeded };
  if (row.text === null || row.digest === null) return base;
  // A text edited behind the service's back would be decided by unnoticed: refuse to read it.
  if (documentDigest(row.text) !== row.digest) throw new Error(`policy document ${row.name}: text does not match its digest`);
  return {
    ...base,
    current: {
      name: row.name,
      format: row.format,
      text: row.text,
      digest: row.digest,
      updatedBy: row.updated_by,
      updatedAt: row.updated_at,
      version: Number(row.version),
      ...seeded,
    },
  };
}
