import type { Approval } from '../domain/index.js';
import type { Executor } from './holds.repository.js';

/**
 * Records `approver`'s approval of a hold; undefined if it already approved it. The key (hold,
 * issuer, subject) decides, so an approver is never counted twice, whatever the callers race.
 */
export async function insertApproval(db: Executor, holdId: string, approver: { readonly issuer: string; readonly subject: string }): Promise<Approval | undefined> {
  const row = await db
    .insertInto('hold_approvals')
    .values({ hold_id: holdId, approver_issuer: approver.issuer, approver_subject: approver.subject })
    .onConflict((oc) => oc.columns(['hold_id', 'approver_issuer', 'approver_subject']).doNothing())
    .returning(['approver_issuer', 'approver_subject', 'approved_at'])
    .executeTakeFirst();
  return row && { issuer: row.approver_issuer, subject: row.approver_subject, approvedAt: row.approved_at };
}

/** The approvals of each of `holdIds`, oldest first; holds without any are absent from the map. */
export async function approvalsOf(db: Executor, holdIds: readonly string[]): Promise<ReadonlyMap<string, Approval[]>> {
  const byHold = new Map<string, Approval[]>();
  if (holdIds.length === 0) return byHold;
  const rows = await db
    .selectFrom('hold_approvals')
    .selectAll()
    .where('hold_id', 'in', [...new Set(holdIds)])
    .orderBy('approved_at')
    .orderBy('approver_issuer')
    .orderBy('approver_subject')
    .execute();
  for (const row of rows) {
    const list = byHold.get(row.hold_id) ?? [];
    list.push({ issuer: row.approver_issuer, subject: row.approver_subject, approvedAt: row.approved_at });
    byHold.set(row.hold_id, list);
  }
  return byHold;
}
