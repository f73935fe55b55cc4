import { approvalsV1, auditV1 } from '@portcullis/proto-gen';
import { describe, expect, it } from 'vitest';
import type { ApprovalsApi, AuditApi, Endpoint } from './clients.js';
import { CallError } from './errors.js';
import { run, type Clients, type Env } from './run.js';

const TOKEN = 'tok-3f9a7c1e';
const NOW = new Date('2025-06-01T12:00:00.000Z');

function harness(overrides: { approvals?: Partial<ApprovalsApi>; audit?: Partial<AuditApi> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const endpoints: Endpoint[] = [];
  const calls: string[] = [];
  const clients: Clients = {
    approvals: (endpoint) => {
      endpoints.push(endpoint);
      return {
        listHolds: async (all) => (calls.push(`list ${all}`), []),
        approve: async (id) => (calls.push(`approve ${id}`), approvalsV1.Hold.fromPartial({ id, status: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED })),
        deny: async (id, reason) => (calls.push(`deny ${id} ${reason}`), approvalsV1.Hold.fromPartial({ id, status: approvalsV1.HoldStatus.HOLD_STATUS_DENIED, resolutionReason: reason })),
        listGrants: async (all) => (calls.push(`grants ${all}`), []),
        revokeGrant: async (id, reason) => (calls.push(`revoke ${id} ${reason}`), approvalsV1.Grant.fromPartial({ id, requesterSubject: 'agent', revokedAt: NOW, revokedBy: 'me', revocationReason: reason })),
        close: () => calls.push('close'),
        ...overrides.approvals,
      };
    },
    audit: (endpoint) => {
      endpoints.push(endpoint);
      return {
        listEvents: async () => [],
        listSessionEvents: async (id) => (calls.push(`session ${id}`), [auditV1.AuditRecord.fromPartial({ seq: 1n, type: 'session.started', sessionId: id, eventJson: '{"sessionStarted":{"protocol":"http"}}' })]),
        verifyChain: async () => auditV1.VerifyChainResponse.fromPartial({ ok: true, records: 3n, headHash: 'cafe' }),
        close: () => calls.push('close'),
        ...overrides.audit,
      };
    },
  };
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), now: () => NOW };
  const exec = (argv: string[], env: Env = { PORTCULLIS_TOKEN: TOKEN }) => run(argv, env, io, clients);
  return { exec, out, err, endpoints, calls };
}

describe('run', () => {
  it('prints usage for help and exits 0 without needing a token', async () => {
    const h = harness();
    expect(await h.exec(['--help'], {})).toBe(0);
    expect(h.out.join('\n')).toMatch(/^Usage: portcullis/);
    expect(h.endpoints).toEqual([]);
  });

  it('exits 2 with the error and usage on stderr for usage errors', async () => {
    const h = harness();
    expect(await h.exec(['nope'])).toBe(2);
    expect(h.err.join('\n')).toMatch(/^error: unknown command 'nope'\n\nUsage: portcullis/);
  });

  it('exits 2 with a clear error when no token is given', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list'], {})).toBe(2);
    expect(h.err).toEqual(["error: no token: pass --token <token> or set PORTCULLIS_TOKEN (an approver's or auditor's bearer token)"]);
    expect(h.endpoints).toEqual([]);
  });

  it('refuses a token that cannot be sent as a header, without printing it', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list', '--token', 'abc def\n'])).toBe(2);
    expect(h.err.join('\n')).not.toContain('abc def');
  });

  it('uses defaults, then env, then flags for addresses; --token wins over env', async () => {
    const h = harness();
    await h.exec(['approvals', 'list']);
    await h.exec(['audit', 'verify'], { PORTCULLIS_TOKEN: TOKEN, AUDIT_GRPC_ADDR: 'audit:9' });
    await h.exec(['approvals', 'approve', 'h-1', '--approvals', 'appr:1', '--token', 'other-token'], { PORTCULLIS_TOKEN: TOKEN, APPROVALS_GRPC_ADDR: 'appr:9' });
    expect(h.endpoints).toEqual([
      { address: '127.0.0.1:50053', token: TOKEN, deadlineMs: 10_000 },
      { address: 'audit:9', token: TOKEN, deadlineMs: 10_000 },
      { address: 'appr:1', token: 'other-token', deadlineMs: 10_000 },
    ]);
  });

  it('runs approvals commands and closes the client', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list', '--all'])).toBe(0);
    expect(await h.exec(['approvals', 'deny', 'h-2', '--reason', 'freeze'])).toBe(0);
    expect(h.calls).toEqual(['list true', 'close', 'deny h-2 freeze', 'close']);
    expect(h.out).toEqual(['no holds', 'hold h-2 denied (request -): freeze']);
  });

  it('prints "recorded (k of n)" when the hold still needs approvers, and runs the grant commands', async () => {
    const h = harness({
      approvals: {
        approve: async (id) => approvalsV1.Hold.fromPartial({ id, requestId: 'r-1', status: approvalsV1.HoldStatus.HOLD_STATUS_PENDING, minApprovals: 2, approvals: [{ issuer: 'i', subject: 'me' }] }),
      },
    });
    expect(await h.exec(['approvals', 'approve', 'h-1'])).toBe(0);
    expect(await h.exec(['approvals', 'grants'])).toBe(0);
    expect(await h.exec(['approvals', 'revoke', 'g-1', '--reason', 'done'])).toBe(0);
    expect(h.out).toEqual(['hold h-1 recorded (1 of 2), waiting for 1 more approver (request r-1)', 'no live grants', 'grant g-1 revoked (agent): done']);
    expect(h.calls).toEqual(['close', 'grants false', 'close', 'revoke g-1 done', 'close']);
  });

  it('maps a service error to one line and exit 1', async () => {
    const h = harness({
      approvals: { approve: () => Promise.reject(new CallError('approvals', 'x:1', 'PERMISSION_DENIED', 'SELF_APPROVAL', 'self')) },
    });
    expect(await h.exec(['approvals', 'approve', 'h-1'])).toBe(1);
    expect(h.err).toEqual(['error: you cannot approve your own request (SELF_APPROVAL)']);
    expect(h.calls).toEqual(['close']);
  });

  it('never prints the token, even if an error message carries it', async () => {
    const h = harness({ audit: { verifyChain: () => Promise.reject(new Error(`bad header Bearer ${TOKEN}`)) } });
    expect(await h.exec(['audit', 'verify', `--token=${TOKEN}`], {})).toBe(1);
    expect(h.err).toEqual(['error: unexpected failure: bad header Bearer <token>']);
  });

  it('exits 1 when the audit chain is broken', async () => {
    const h = harness({
      audit: { verifyChain: async () => auditV1.VerifyChainResponse.fromPartial({ ok: false, records: 9n, firstBadSeq: 4n, message: 'prev_hash mismatch' }) },
    });
    expect(await h.exec(['audit', 'verify'])).toBe(1);
    expect(h.out).toEqual(['audit chain BROKEN at seq 4: prev_hash mismatch']);
  });

  it('prints OK with the record count and head hash', async () => {
    const h = harness();
    expect(await h.exec(['audit', 'verify'])).toBe(0);
    expect(h.out).toEqual(['audit chain OK: 3 records, head cafe']);
  });

  it('replays a session with audit session', async () => {
    const { exec, out, calls } = harness();
    expect(await exec(['audit', 'session', 'sess-1'])).toBe(0);
    expect(calls).toContain('session sess-1');
    expect(out.join('\n')).toContain('session.started');
  });
});
