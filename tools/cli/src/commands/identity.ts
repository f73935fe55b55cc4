// identity revoke | unrevoke | revocations. Errors propagate as CallError; run.ts turns them into one line.
import { describeSelector, revocationFromProto, type Revocation, type RevocationSelector } from '@portcullis/identity-client';
import type { IdentityApi } from '../clients.js';
import type { Io } from '../run.js';

export async function revokeIdentity(api: IdentityApi, command: { selector: RevocationSelector; reason: string; forMs?: number }, io: Io): Promise<number> {
  const { revocation, created } = await api.revoke(command.selector, command.reason, command.forMs);
  const stored = revocation ? revocationFromProto(revocation) : undefined;
  const what = describeSelector(command.selector);
  if (!created) io.out(`${what} was already revoked${stored ? ` (since ${stored.revokedAt.toISOString()}: ${stored.reason})` : ''}; nothing changed\n`);
  else io.out(`revoked ${what}${stored?.expiresAt ? ` until ${stored.expiresAt.toISOString()}` : ' until unrevoked'}: its sessions end now and its tokens are refused\n`);
  return 0;
}

export async function unrevokeIdentity(api: IdentityApi, selector: RevocationSelector, io: Io): Promise<number> {
  const { removed } = await api.unrevoke(selector);
  io.out(removed ? `lifted the revocation of ${describeSelector(selector)}: its tokens are accepted again\n` : `${describeSelector(selector)} was not revoked; nothing changed\n`);
  return 0;
}

export async function listRevocations(api: IdentityApi, options: { json: boolean }, io: Io): Promise<number> {
  const revocations = (await api.list()).map(revocationFromProto).filter((r): r is Revocation => r !== undefined);
  if (options.json) {
    io.out(`${JSON.stringify(revocations.map((r) => ({ ...r.selector, reason: r.reason, revokedBy: r.revokedBy, revokedAt: r.revokedAt.toISOString(), expiresAt: r.expiresAt?.toISOString() ?? null })), null, 2)}\n`);
    return 0;
  }
  if (revocations.length === 0) {
    io.out('no revocations in force\n');
    return 0;
  }
  const rows = revocations.map((r) => [r.selector.kind, r.selector.value, r.selector.issuer ?? '(any)', r.revokedAt.toISOString(), r.expiresAt?.toISOString() ?? 'until unrevoked', r.revokedBy.split(' ').at(-1) ?? '', r.reason]);
  const header = ['KIND', 'VALUE', 'ISSUER', 'REVOKED', 'EXPIRES', 'BY', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  io.out(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return 0;
}
