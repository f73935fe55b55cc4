// approvals list | approve | deny | grants | revoke. Errors propagate as CallError; run.ts turns
// them into one line.
import type { ApprovalsApi } from '../clients.js';
import { approvalsV1 } from '@portcullis/proto-gen';
import { formatGrantsTable, formatHoldsTable, formatRelease, formatResolvedHold, formatRevokedGrant, grantsJson, holdsJson } from '../format.js';
import type { Io } from '../run.js';

export async function listHolds(api: ApprovalsApi, options: { all: boolean; json: boolean }, io: Io): Promise<number> {
  const holds = await api.listHolds(options.all);
  io.out(options.json ? holdsJson(holds) : formatHoldsTable(holds, io.now(), { withStatus: options.all }));
  return 0;
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
    current = (await api.listHolds(true)).find((h) => h.id === id) ?? current;
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
