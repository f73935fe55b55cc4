import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { refusal, refusalFor } from '../domain/refusal.js';
import type { Decision } from '../domain/decision.js';
import { writeRefusal } from './refusal.http.js';

/** The status, headers and body a refusal writes. */
function written(...args: Parameters<typeof writeRefusal> extends [unknown, ...infer Rest] ? Rest : never) {
  const out: { status?: number; headers?: Record<string, unknown>; body?: string } = {};
  const res = {
    headersSent: false,
    writeHead: (status: number, headers: Record<string, unknown>) => Object.assign(out, { status, headers }),
    end: (body: string) => Object.assign(out, { body }),
  } as unknown as ServerResponse;
  writeRefusal(res, ...args);
  return { ...out, error: (JSON.parse(out.body!) as { error: Record<string, unknown> }).error };
}

const deny: Decision = { effect: 'deny', reasons: ['rule:no-deletes'], message: 'Agents never delete orders.', maskingProfiles: [], policyVersion: 'v', decidedBy: 'p', cacheable: true };

describe('writeRefusal', () => {
  it('answers a denial with 403, its reasons and policy’s message', () => {
    const out = written(refusalFor(deny, 'POLICY_DENIED', 'denied by policy'), 'req-1');
    expect(out.status).toBe(403);
    expect(out.error).toEqual({ code: 'POLICY_DENIED', message: 'denied by policy', reasons: ['rule:no-deletes'], policyMessage: 'Agents never delete orders.', requestId: 'req-1' });
  });

  it('writes no policyMessage where policy gave none, or there is no decision', () => {
    expect(written(refusalFor({ ...deny, message: '' }, 'POLICY_DENIED', 'denied by policy'), 'req-1').error).not.toHaveProperty('policyMessage');
    expect(written(refusal('BAD_REQUEST', 'no'), undefined).error).toEqual({ code: 'BAD_REQUEST', message: 'no', reasons: [] });
  });
});
