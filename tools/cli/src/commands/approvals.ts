// approvals list | approve | deny | grants | revoke. Errors propagate as CallError; run.ts turns
// them into one line.
import type { ApprovalsApi } from '../clients.js';
import { formatGrantsTable, formatHoldsTable, formatResolvedHold, formatRevokedGrant, grantsJson, holdsJson } from '../format.js';
import type { Io } from '../run.js';

export async function listHolds(api: ApprovalsApi, options: { all: boolean; json: boolean }, io: Io): Promise<number> {
  const holds = await api.listHolds(options.all);
  io.out(options.json ? holdsJson(holds) : formatHoldsTable(holds, io.now(), { withStatus: options.all }));
  return 0;
}

export async function approveHold(api: ApprovalsApi, id: string, io: Io): Promise<number> {
  io.out(formatResolvedHold(await api.approve(id)));
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
