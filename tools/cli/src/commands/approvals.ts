// approvals list | approve | deny | grants | revoke. Errors propagate as CallError; run.ts turns
// them into one line.
import type { ApprovalsApi } from '../clients.js';
import { approvalsV1 } from '@portcullis/proto-gen';
import { formatGrantsTable, formatHoldsTable, formatRelease, formatResolvedHold, formatRevokedGrant, grantsJson, holdsJson } from '../format.js';
import type { Io } from '../run.js';

export interface ListOptions {
  readonly all: boolean;
  readonly json: boolean;
  readonly requester?: string;
  readonly connection?: string;
  readonly limit?: number;
  readonly page?: string;
}

/**
 * One page of holds, newest first, then how many match and how to get the next page. With --json
 * stdout carries only the holds (an array, as before); the count and the next page go to stderr.
 */
export async function listHolds(api: ApprovalsApi, options: ListOptions, io: Io): Promise<number> {
  const page = await api.listHolds({
    includeResolved: options.all,
    ...(options.limit !== undefined ? { pageSize: options.limit } : {}),
    ...(options.page !== undefined ? { pageToken: options.page } : {}),
    ...(options.requester !== undefined ? { requester: options.requester } : {}),
    ...(options.connection !== undefined ? { connection: options.connection } : {}),
  });
  const summary = pageSummary(page, options);
  if (options.json) {
    io.out(holdsJson(page.holds));
    if (summary) io.err(summary);
  } else {
    io.out(formatHoldsTable(page.holds, io.now(), { withStatus: options.all }));
    if (summary) io.out(summary);
  }
  return 0;
}

/** "3 of 612 pending holds shown, newest first. Next page: portcullis approvals list … --page <token>". */
export function pageSummary(page: approvalsV1.ListHoldsResponse, options: ListOptions): string | undefined {
  const what = options.all ? 'hold(s)' : 'pending hold(s)';
  if (page.holds.length === 0 && page.totalSize === 0) return undefined;
  const lines = [`${page.holds.length} of ${page.totalSize} ${what} shown, newest first.`];
  if (page.nextPageToken !== '') {
    const flags = [
      'portcullis approvals list',
      ...(options.all ? ['--all'] : []),
      ...(options.json ? ['--json'] : []),
      ...(options.requester !== undefined ? ['--requester', shellWord(options.requester)] : []),
      ...(options.connection !== undefined ? ['--connection', shellWord(options.connection)] : []),
      ...(options.limit !== undefined ? ['--limit', String(options.limit)] : []),
      '--page',
      page.nextPageToken,
    ];
    lines.push(`Next page: ${flags.join(' ')}`);
  }
  return lines.join('\n');
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_.:@\/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Approves; when that released the hold, waits up to `waitMs` (real time) to hear whether the
 * gateway forwarded it (it re-checks the caller first: an expired or revoked caller is refused).
 */
export async function approveHold(api: ApprovalsApi, id: string, io: Io, waitMs: number): Promise<number> {
  const hold = await api.approve(id);
  io.out(formatResolvedHold(hold));
  if (hold.status !== approvalsV1.HoldStatus.HOLD_STATUS_APPROVED || waitMs <= 0) return 0;
  const deadline = Date.now() + waitMs;
  let current = hold;
  while (!current.release && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The newest holds of this requester and connection: the one just approved is among them.
    const page = await api.listHolds({ includeResolved: true, pageSize: 500, requester: hold.requester?.subject ?? '', connection: hold.connection });
    current = page.holds.find((h) => h.id === id) ?? current;
  }
  io.out(formatRelease(current));
  return 0;
}

export async function denyHold(api: ApprovalsApi, id: string, reason: string, io: Io): Promise<number> {
  io.out(formatResolvedHold(await api.deny(id, reason)));
  return 0;
}

export async function listGrants(api: ApprovalsApi, options: { all: boolean; json: boolean }, io: Io): Promise<number> {
  const grants = await api.listGrants(options.all);
  io.out(options.json ? grantsJson(grants) : formatGrantsTable(grants, io.now(), { withStatus: options.all }));
  return 0;
}

export async function revokeGrant(api: ApprovalsApi, id: string, reason: string, io: Io): Promise<number> {
  io.out(formatRevokedGrant(await api.revokeGrant(id, reason)));
  return 0;
}
