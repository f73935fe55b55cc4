import { sql, type Selectable, type Transaction } from 'kysely';
import type { DocumentChange, Revision } from '../domain/index.js';
import type { Executor } from './documents.repository.js';
import type { PolicyDB, RevisionsTable } from './policy.table.js';

/** Appends a revision; call it in the transaction that holds the head lock and made the change. */
export async function insertRevision(trx: Transaction<PolicyDB>, revision: Omit<Revision, 'createdAt'>): Promise<Revision> {
  const row = await trx
    .insertInto('revisions')
    .values({
      version: revision.version,
      previous_version: revision.previousVersion,
      changed_by: revision.changedBy,
      changes: JSON.stringify(revision.changes.map(changeToColumn)),
      digest: revision.digest,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return revisionFromRow(row);
}

/** Newest first; only versions below `beforeVersion` when given (paging). */
export async function listRevisions(db: Executor, limit: number, beforeVersion?: number): Promise<Revision[]> {
  let query = db.selectFrom('revisions').selectAll();
  if (beforeVersion !== undefined) query = query.where('version', '<', String(beforeVersion));
  const rows = await query.orderBy('version', 'desc').limit(limit).execute();
  return rows.map(revisionFromRow);
}

/**
 * Digests this document had and that a later revision replaced: texts that were in force once
 * and are not any more.
 */
export async function supersededDigests(db: Executor, name: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('revisions')
    .select('changes')
    .where(sql<boolean>`changes @> ${JSON.stringify([{ name }])}::jsonb`)
    .execute();
  const digests = new Set<string>();
  for (const row of rows) {
    for (const change of Array.isArray(row.changes) ? row.changes : []) {
      const c = change as { name?: unknown; oldDigest?: unknown };
      if (c.name === name && typeof c.oldDigest === 'string') digests.add(c.oldDigest);
    }
  }
  return digests;
}

// The `changes` column holds DocumentChange[] as JSON, field for field; on the way back each
// field is checked, so a row that does not say exactly what changed is an error, not a guess.

function changeToColumn(change: DocumentChange): Record<string, string> {
  return { name: change.name, action: change.action, ...(change.oldDigest ? { oldDigest: change.oldDigest } : {}), ...(change.newDigest ? { newDigest: change.newDigest } : {}) };
}

function revisionFromRow(row: Selectable<RevisionsTable>): Revision {
  const changes = Array.isArray(row.changes) ? row.changes.map(readChange) : undefined;
  if (!changes || changes.length === 0 || changes.some((c) => c === undefined)) throw new Error(`policy revision ${row.version}: unreadable changes`);
  return {
    version: Number(row.version),
    previousVersion: Number(row.previous_version),
    changedBy: row.changed_by,
    changes: changes as DocumentChange[],
    digest: row.digest,
    createdAt: row.created_at,
  };
}

function readChange(value: unknown): DocumentChange | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, action, oldDigest, newDigest } = value as Record<string, unknown>;
  if (typeof name !== 'string' || (action !== 'put' && action !== 'delete')) return undefined;
  if ((oldDigest !== undefined && typeof oldDigest !== 'string') || (newDigest !== undefined && typeof newDigest !== 'string')) return undefined;
  if ((action === 'put') !== (newDigest !== undefined)) return undefined;
  return { name, action, ...(oldDigest !== undefined ? { oldDigest } : {}), ...(newDigest !== undefined ? { newDigest } : {}) };
}
