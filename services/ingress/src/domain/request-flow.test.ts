import { describe, expect, it, vi } from 'vitest';
import { maskText, type MaskingProfile } from '@portcullis/detectors';
import type { Principal, VerifyOutcome } from '@portcullis/identity-client';
import { mcpTarget, type Target } from '@portcullis/request-model';
import { DecisionCache } from './decision-cache.js';
import type { Decision } from './decision.js';
import type { BodyBudget, Delivery, Described, Exchange, Forwarded, Masked, Reply, ResponseInfo } from './exchange.js';
import { PrincipalLimiter, type Limits } from './principal-limits.js';
import type { GatewayEvent, ProtocolStatus } from './events.js';
import type { DecideOutcome, HoldResult, RequestLogEntry } from './ports.js';
import { refusal, type Refusal } from './refusal.js';
import { RequestFlow, SHUTTING_DOWN } from './request-flow.js';

// The flow with fake ports, driven through a protocol adapter that exists only here: a line
// protocol whose requests are MCP-shaped tool calls. It shows what adding a protocol takes — an
// Exchange (describe, forward, respond, refuse) — and that the flow does all the sequencing.

const NOW = Date.parse('2026-12-02T00:00:00Z');
const principal: Principal = {
  subject: 'agent-1',
  clientId: 'agent-1',
  groups: ['agents'],
  issuer: 'https://idp.test',
  expiresAt: new Date(NOW + 60_000),
  scopes: ['tools'],
  kind: 'machine',
  claimsJson: '{"sub":"agent-1"}',
  tokenId: 'jti-1',
};

const allow = (extra: Partial<Decision> = {}): Decision => ({ effect: 'allow', reasons: ['rule:read'], message: '', maskingProfiles: [], policyVersion: 'v1', decidedBy: 'policy:a', cacheable: true, ...extra });
const hold: Decision = {
  effect: 'require_approval',
  reasons: ['rule:hold'],
  message: 'Transfers wait for an approver.',
  maskingProfiles: [],
  approval: { approverGroups: ['approvers'], timeoutMs: 1000, minApprovals: 1 },
  policyVersion: 'v1', decidedBy: 'policy:a', cacheable: true };
const cards: MaskingProfile = { name: 'cards', detectors: ['card'], fields: [], columns: [] };

/** The test protocol's reply: one line of text. */
class LineReply implements Reply {
  constructor(public text: string) {}
  mask(profile: MaskingProfile): Masked {
    if (this.text.includes('\u0000')) return { ok: false, refusal: refusal('RESPONSE_NOT_MASKABLE', 'binary line') };
    const out = maskText(this.text, profile);
    this.text = out.text;
    return { ok: true, findings: out.findings };
  }
}

/** The test protocol: a line naming a tool and its JSON arguments, answered by one line. */
class LineExchange implements Exchange<LineReply> {
  readonly protocol = 'mcp' as const;
  readonly caller = new AbortController();
  readonly gone = this.caller.signal;
  forwarded = 0;
  sent: string | undefined;
  refused: Refusal | undefined;
  holdId: string | undefined;
  onForward: () => void = () => undefined;

  constructor(
    readonly connection: string,
    private readonly line: string,
    private readonly upstream: (line: string) => Forwarded<LineReply> = () => ({ ok: true, reply: new LineReply('card 4111 1111 1111 1111') }),
  ) {}

  async describe(budget?: BodyBudget): Promise<Described> {
    const over = budget?.reserve(Buffer.byteLength(this.line));
    if (over) return { ok: false, refusal: over };
    const [tool, args] = this.line.split(' ', 2);
    if (!tool) return { ok: false, refusal: refusal('BAD_REQUEST', 'empty line') };
    try {
      return { ok: true, target: mcpTarget('tools/call', tool, args ? JSON.parse(args) : undefined) };
    } catch {
      return { ok: false, refusal: refusal('BAD_REQUEST', 'arguments are not JSON') };
    }
  }

  async forward(): Promise<Forwarded<LineReply>> {
    this.forwarded++;
    this.onForward();
    return this.upstream(this.line);
  }

  respond(reply: LineReply, info: ResponseInfo): Delivery | Promise<Delivery> {
    this.sent = reply.text;
    this.holdId = info.holdId;
    return { status: { jsonrpc: 0 }, bytes: reply.text.length, rows: 1 };
  }

  refuse(reason: Refusal, info: Partial<ResponseInfo>): ProtocolStatus {
    this.refused = reason;
    this.holdId = info.holdId;
    return { jsonrpc: -32001 };
  }
}

function setup(options: { decide?: () => DecideOutcome; hold?: (signal: AbortSignal) => Promise<HoldResult>; busDown?: boolean; cache?: boolean; profiles?: MaskingProfile[]; limits?: Limits } = {}) {
  const clock = { wall: NOW, mono: 0, now: () => clock.wall, monotonic: () => clock.mono };
  let n = 0;
  const stored: GatewayEvent[] = [];
  const later: GatewayEvent[] = [];
  const logs: RequestLogEntry[] = [];
  const calls = { verify: 0, decide: 0, hold: 0 };
  const shutdown = new AbortController();
  const tokens: Record<string, VerifyOutcome> = {
    good: { ok: true, principal },
    expired: { ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' },
  };
  const limits = options.limits;
  const limiter = limits ? new PrincipalLimiter(() => limits) : undefined;
  const decisions = options.cache ? new DecisionCache({ ttlMs: 10_000, maxEntries: 100, now: clock.monotonic }) : undefined;
  const flow = new RequestFlow(
    {
      identity: {
        verify: async (token) => {
          calls.verify++;
          return tokens[token] ?? { ok: false, code: 'SIGNATURE_INVALID', message: 'bad signature' };
        },
      },
      policy: {
        decide: async () => {
          calls.decide++;
          return options.decide ? options.decide() : { ok: true, decision: allow() };
        },
      },
      events: {
        record: async (events) => {
          if (options.busDown) throw new Error('stream full');
          stored.push(...events);
        },
        recordLater: (events) => void later.push(...events),
      },
      approvals: {
        hold: async (_context, _decision, signal) => {
          calls.hold++;
          return options.hold ? options.hold(signal) : { status: 'approved', holdId: 'h-1', approver: 'ops' };
        },
      },
      masking: { profiles: new Map((options.profiles ?? [cards]).map((p) => [p.name, p])) },
      clock,
      ids: { next: () => `id-${++n}` },
      log: { completed: (entry) => void logs.push(entry) },
    },
    { shutdown: shutdown.signal, connections: new Set(['tools']), ...(decisions ? { decisions } : {}), ...(limiter ? { limits: limiter } : {}) },
  );
  const opening = (token: string | undefined) => ({ protocol: 'mcp' as const, token, clientAddress: '127.0.0.1:5000' });
  const kinds = (events: GatewayEvent[]) => events.map((e) => e.kind);
  const completed = () => later.find((e) => e.kind === 'requestCompleted') as Extract<GatewayEvent, { kind: 'requestCompleted' }> | undefined;
  return { flow, clock, stored, later, logs, calls, shutdown, opening, kinds, completed, decisions, limiter };
}

describe('RequestFlow: an allowed request', () => {
  it('records SessionStarted, RequestReceived and DecisionMade durably before forwarding, then completes', async () => {
    const t = setup();
    const exchange = new LineExchange('tools', 'lookup {"id":1}');
    exchange.onForward = () => expect(t.kinds(t.stored)).toEqual(['sessionStarted', 'requestReceived', 'decisionMade']);
    await t.flow.serveOne(t.opening('good'), exchange);
    expect(exchange.forwarded).toBe(1);
    expect(exchange.sent).toBe('card 4111 1111 1111 1111');
    expect(t.kinds(t.later)).toEqual(['requestCompleted', 'sessionEnded']);
    const received = t.stored[1] as Extract<GatewayEvent, { kind: 'requestReceived' }>;
    expect(received.target).toEqual({ kind: 'mcp', method: 'tools/call', name: 'lookup', argumentsJson: '{"id":1}' });
    // Every event of the request and the session carries the session id.
    expect(new Set([...t.stored, ...t.later].map((e) => e.sessionId))).toEqual(new Set([t.stored[0]!.sessionId]));
    expect(t.completed()).toMatchObject({ outcome: 'forwarded', status: { jsonrpc: 0 }, rows: 1, reasons: [] });
    expect(t.logs).toMatchObject([{ outcome: 'forwarded', principal: 'agent-1', connection: 'tools' }]);
  });

  it('masks the reply with the decision’s profiles before it is sent, and counts what it masked', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: allow({ maskingProfiles: ['cards'] }) }) });
    const exchange = new LineExchange('tools', 'lookup');
    await t.flow.serveOne(t.opening('good'), exchange);
    expect(exchange.sent).toBe('card **** **** **** 1111');
    expect(t.completed()?.masked).toEqual({ card: 1 });
  });
});

describe('RequestFlow: every refusal, in the caller’s protocol, recorded, never forwarded', () => {
  const refusedWith = async (t: ReturnType<typeof setup>, exchange: LineExchange, token: string | undefined = 'good') => {
    await t.flow.serveOne(t.opening(token), exchange);
    expect(exchange.forwarded).toBe(0);
    expect(exchange.sent).toBeUndefined();
    return exchange.refused?.code;
  };

  it('no token: TOKEN_MISSING, with AuthenticationFailed and RequestCompleted but no session', async () => {
    const t = setup();
    const exchange = new LineExchange('tools', 'x');
    await t.flow.serveOne(t.opening(undefined), exchange);
    expect([exchange.refused?.code, exchange.forwarded]).toEqual(['TOKEN_MISSING', 0]);
    expect(t.kinds(t.later)).toEqual(['authenticationFailed', 'requestCompleted']);
    expect(t.later[0]).toMatchObject({ kind: 'authenticationFailed', code: 'TOKEN_MISSING', protocol: 'mcp', clientAddress: '127.0.0.1:5000', credentialType: '', connection: 'tools', issuer: '', asked: '' });
    expect(t.completed()).toMatchObject({ outcome: 'denied', errorCode: 'TOKEN_MISSING', status: { jsonrpc: -32001 } });
    expect(t.calls.decide).toBe(0);
  });

  it('a refused token: identity’s code passes through', async () => {
    const t = setup();
    expect(await refusedWith(t, new LineExchange('tools', 'x'), 'expired')).toBe('TOKEN_EXPIRED');
    expect(await refusedWith(setup(), new LineExchange('tools', 'x'), 'forged')).toBe('SIGNATURE_INVALID');
  });

  it('an unknown connection, after authentication only; the session is still recorded', async () => {
    const t = setup();
    expect(await refusedWith(t, new LineExchange('nope', 'x'))).toBe('UNKNOWN_CONNECTION');
    expect(t.kinds(t.later)).toEqual(['sessionStarted', 'requestReceived', 'requestCompleted', 'sessionEnded']);
    expect(t.later[1]).toMatchObject({ connection: '_unknown', principal });
  });

  it('a request the adapter cannot describe', async () => {
    expect(await refusedWith(setup(), new LineExchange('tools', 'x {oops'))).toBe('BAD_REQUEST');
  });

  it('policy that cannot answer: POLICY_UNAVAILABLE', async () => {
    const t = setup({ decide: () => ({ ok: false, message: 'no policy service is running' }) });
    expect(await refusedWith(t, new LineExchange('tools', 'x'))).toBe('POLICY_UNAVAILABLE');
    expect(t.completed()?.outcome).toBe('failed');
  });

  it('a bus that cannot store the request: BUS_UNAVAILABLE', async () => {
    expect(await refusedWith(setup({ busDown: true }), new LineExchange('tools', 'x'))).toBe('BUS_UNAVAILABLE');
  });

  it('a denial names its rules and policy’s message, to the caller and in the audit record', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: { ...allow(), effect: 'deny', reasons: ['rule:no-writes'], message: 'Agents never write.' } }) });
    const exchange = new LineExchange('tools', 'x');
    expect(await refusedWith(t, exchange)).toBe('POLICY_DENIED');
    expect(exchange.refused).toMatchObject({ message: 'denied by policy', reasons: ['rule:no-writes'], policyMessage: 'Agents never write.' });
    expect(t.completed()).toMatchObject({ outcome: 'denied', errorCode: 'POLICY_DENIED', reasons: ['rule:no-writes'] });
    expect(t.stored.find((e) => e.kind === 'decisionMade')).toMatchObject({ decision: { message: 'Agents never write.' } });
  });

  it('a denial without a message from policy carries none', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: { ...allow(), effect: 'deny', reasons: ['default-deny'] } }) });
    const exchange = new LineExchange('tools', 'x');
    expect(await refusedWith(t, exchange)).toBe('POLICY_DENIED');
    expect(exchange.refused).not.toHaveProperty('policyMessage');
  });

  it.each([
    [{ status: 'denied', holdId: 'h', approver: 'ops', reason: 'no' } as const, 'APPROVAL_DENIED', 'denied'],
    [{ status: 'expired', holdId: 'h' } as const, 'APPROVAL_EXPIRED', 'denied'],
    [{ status: 'cancelled', holdId: 'h' } as const, 'CALLER_GONE', 'failed'],
    [{ status: 'unavailable', message: 'approvals down' } as const, 'APPROVALS_UNAVAILABLE', 'failed'],
  ])('a hold that ends %o: %s', async (result, code, outcome) => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }), hold: async () => result });
    const exchange = new LineExchange('tools', 'x');
    expect(await refusedWith(t, exchange)).toBe(code);
    expect(t.completed()?.outcome).toBe(outcome);
    // Refusals that name the decision's reasons carry its message with them.
    if (exchange.refused?.reasons.length) expect(exchange.refused.policyMessage).toBe('Transfers wait for an approver.');
  });

  it('a hold released by shutdown: GATEWAY_SHUTTING_DOWN, not forwarded', async () => {
    const t = setup({
      decide: () => ({ ok: true, decision: hold }),
      hold: (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: 'cancelled', holdId: 'h' }))),
    });
    const run = refusedWith(t, new LineExchange('tools', 'x'));
    await new Promise((resolve) => setImmediate(resolve));
    t.shutdown.abort(SHUTTING_DOWN);
    expect(await run).toBe('GATEWAY_SHUTTING_DOWN');
  });

  it('an approved hold is forwarded and its id is shown to the caller', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }) });
    const exchange = new LineExchange('tools', 'x');
    await t.flow.serveOne(t.opening('good'), exchange);
    expect(exchange.forwarded).toBe(1);
    expect(exchange.holdId).toBe('h-1');
  });

  it('a caller gone between the decision and the forward: CALLER_GONE', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }), hold: async () => ({ status: 'approved', holdId: 'h', approver: 'ops' }) });
    const exchange = new LineExchange('tools', 'x');
    exchange.caller.abort();
    expect(await refusedWith(t, exchange)).toBe('CALLER_GONE');
  });

  it('an upstream failure passes through as a failure', async () => {
    const t = setup();
    const exchange = new LineExchange('tools', 'x', () => ({ ok: false, refusal: refusal('UPSTREAM_TIMEOUT', 'slow') }));
    await t.flow.serveOne(t.opening('good'), exchange);
    expect(exchange.refused?.code).toBe('UPSTREAM_TIMEOUT');
    expect(t.completed()?.outcome).toBe('failed');
  });

  it('masking fails closed: a missing profile or an unmaskable reply is refused, never sent', async () => {
    const missing = setup({ decide: () => ({ ok: true, decision: allow({ maskingProfiles: ['gone'] }) }) });
    const a = new LineExchange('tools', 'x');
    await missing.flow.serveOne(missing.opening('good'), a);
    expect([a.refused?.code, a.sent]).toEqual(['MASKING_FAILED', undefined]);

    const binary = setup({ decide: () => ({ ok: true, decision: allow({ maskingProfiles: ['cards'] }) }) });
    const b = new LineExchange('tools', 'x', () => ({ ok: true, reply: new LineReply('\u0000') }));
    await binary.flow.serveOne(binary.opening('good'), b);
    expect([b.refused?.code, b.sent]).toEqual(['RESPONSE_NOT_MASKABLE', undefined]);
  });
});

describe('RequestFlow: sessions of many requests', () => {
  it('verifies once, records SessionStarted with the first request, and refuses once the principal expires', async () => {
    const t = setup();
    const opened = await t.flow.open(t.opening('good'));
    if (!opened.ok) throw new Error('not opened');
    expect((await t.flow.run(opened.session, new LineExchange('tools', 'a'))).ok).toBe(true);
    expect((await t.flow.run(opened.session, new LineExchange('tools', 'b'))).ok).toBe(true);
    expect(t.kinds(t.stored)).toEqual(['sessionStarted', 'requestReceived', 'decisionMade', 'requestReceived', 'decisionMade']);
    t.clock.wall = principal.expiresAt.getTime();
    const late = new LineExchange('tools', 'c');
    expect(await t.flow.run(opened.session, late)).toMatchObject({ ok: false, refusal: { code: 'TOKEN_EXPIRED' } });
    expect(late.forwarded).toBe(0);
    t.flow.close(opened.session, 'principal_expired');
    t.flow.close(opened.session, 'closed'); // a session ends once
    expect(t.later.filter((e) => e.kind === 'sessionEnded')).toMatchObject([{ reason: 'principal_expired', requests: 2 }]);
    expect(t.calls.verify).toBe(1);
  });
});

describe('RequestFlow: a connection whose requests carry their credential (HTTP keep-alive)', () => {
  it('keeps one session while the credential is the same, and starts a new one when it changes or expires', async () => {
    const t = setup();
    t.flow['ports'].identity.verify = async (token: string) => {
      t.calls.verify++;
      return { ok: true, principal: { ...principal, subject: token, expiresAt: new Date(t.clock.wall + 60_000) } };
    };
    const first = await t.flow.serve(t.opening('good'), new LineExchange('tools', 'a'), undefined);
    const same = await t.flow.serve(t.opening('good'), new LineExchange('tools', 'b'), first);
    expect(same).toBe(first);
    expect(t.calls.verify).toBe(2); // verified on every request (identity's cache makes it cheap)
    const other = await t.flow.serve(t.opening('other'), new LineExchange('tools', 'c'), same);
    expect(other).not.toBe(first);
    expect(t.later.filter((e) => e.kind === 'sessionEnded')).toMatchObject([{ sessionId: first!.id, reason: 'closed', requests: 2 }]);
    t.clock.wall += 60_000;
    const renewed = await t.flow.serve(t.opening('other'), new LineExchange('tools', 'd'), other);
    expect(t.later.filter((e) => e.kind === 'sessionEnded').at(-1)).toMatchObject({ sessionId: other!.id, reason: 'principal_expired' });
    expect(renewed).not.toBe(other); // identity verified the credential again (and here accepts it)
    const started = t.stored.filter((e) => e.kind === 'sessionStarted').map((e) => e.sessionId);
    expect(started).toEqual([first!.id, other!.id, renewed!.id]);
  });
});

describe('RequestFlow: re-checks', () => {
  it('refuses a held request whose caller expired while it waited, even when it is approved', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }) });
    t.flow['ports'].approvals.hold = async () => {
      t.clock.wall = principal.expiresAt.getTime() + 1;
      return { status: 'approved', holdId: 'h-9', approver: 'ops' };
    };
    const exchange = new LineExchange('tools', 'x');
    await t.flow.serveOne(t.opening('good'), exchange);
    expect([exchange.refused?.code, exchange.forwarded]).toEqual(['TOKEN_EXPIRED', 0]);
  });

  it('re-checks a request a grant released at once like any released hold: an expired caller is refused', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }) });
    t.flow['ports'].approvals.hold = async () => {
      t.clock.wall = principal.expiresAt.getTime() + 1;
      return { status: 'approved', holdId: 'h-10', approver: '', grantId: 'g-1' };
    };
    const exchange = new LineExchange('tools', 'x');
    await t.flow.serveOne(t.opening('good'), exchange);
    expect([exchange.refused?.code, exchange.forwarded, exchange.holdId]).toEqual(['TOKEN_EXPIRED', 0, 'h-10']);
  });

  it('forwards a request a grant released while its caller is valid, naming the hold', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }), hold: async () => ({ status: 'approved', holdId: 'h-11', approver: '', grantId: 'g-1' }) });
    const exchange = new LineExchange('tools', 'x');
    await t.flow.serveOne(t.opening('good'), exchange);
    expect([exchange.forwarded, exchange.holdId]).toEqual([1, 'h-11']);
  });

  it('ends a keep-alive session whose credential identity now refuses', async () => {
    const t = setup();
    const session = await t.flow.serve(t.opening('good'), new LineExchange('tools', 'a'), undefined);
    t.flow['ports'].identity.verify = async () => ({ ok: false, code: 'SIGNATURE_INVALID', message: 'key withdrawn' });
    const exchange = new LineExchange('tools', 'b');
    expect(await t.flow.serve(t.opening('good'), exchange, session)).toBeUndefined();
    expect([exchange.refused?.code, exchange.forwarded]).toEqual(['SIGNATURE_INVALID', 0]);
    expect(t.later.filter((e) => e.kind === 'sessionEnded')).toMatchObject([{ sessionId: session!.id, reason: 'revoked' }]);
  });

  it('keeps SessionStarted for the next request when the bus refused the first', async () => {
    let down = true;
    const t = setup();
    t.flow['ports'].events.record = async (events) => {
      if (down) throw new Error('stream full');
      t.stored.push(...events);
    };
    const opened = await t.flow.open(t.opening('good'));
    if (!opened.ok) throw new Error('not opened');
    expect(await t.flow.run(opened.session, new LineExchange('tools', 'a'))).toMatchObject({ ok: false, refusal: { code: 'BUS_UNAVAILABLE' } });
    down = false;
    await t.flow.run(opened.session, new LineExchange('tools', 'b'));
    expect(t.kinds(t.stored)).toEqual(['sessionStarted', 'requestReceived', 'decisionMade']);
  });

  it('turns a policy or approvals port that throws into a refusal, never a crash', async () => {
    const t = setup({ decide: () => { throw new Error('boom'); } });
    const a = new LineExchange('tools', 'x');
    await t.flow.serveOne(t.opening('good'), a);
    expect(a.refused?.code).toBe('POLICY_UNAVAILABLE');
    const u = setup({ decide: () => ({ ok: true, decision: hold }), hold: async () => { throw new Error('closed'); } });
    const b = new LineExchange('tools', 'x');
    await u.flow.serveOne(u.opening('good'), b);
    expect([b.refused?.code, b.forwarded]).toEqual(['APPROVALS_UNAVAILABLE', 0]);
  });
});

describe('RequestFlow: remembered decisions', () => {
  it('reuses a cacheable decision for an identical request, says so in DecisionMade, and asks again after a policy change', async () => {
    const t = setup({ cache: true });
    const run = (line: string) => t.flow.serveOne(t.opening('good'), new LineExchange('tools', line));
    await run('lookup {"a":1,"b":2}');
    await run('lookup {"b":2,"a":1}'); // the same arguments, canonically
    expect(t.calls.decide).toBe(1);
    const made = t.stored.filter((e) => e.kind === 'decisionMade') as Extract<GatewayEvent, { kind: 'decisionMade' }>[];
    expect(made.map((e) => e.fromCache)).toEqual([false, true]);
    await run('lookup {"a":2}');
    expect(t.calls.decide).toBe(2);
    t.decisions!.clear();
    await run('lookup {"a":1,"b":2}');
    expect(t.calls.decide).toBe(3);
  });

  it('never remembers a decision policy did not mark cacheable', async () => {
    const t = setup({ cache: true, decide: () => ({ ok: true, decision: allow({ cacheable: false }) }) });
    for (let i = 0; i < 3; i++) await t.flow.serveOne(t.opening('good'), new LineExchange('tools', 'x'));
    expect(t.calls.decide).toBe(3);
  });
});

describe('mcpTarget (what the test adapter describes)', () => {
  it('canonicalises arguments so that key order never changes the target', () => {
    const a: Target = mcpTarget('tools/call', 't', { b: [1, { d: 1, c: 2 }], a: 'x' });
    expect(a).toEqual({ kind: 'mcp', method: 'tools/call', name: 't', argumentsJson: '{"a":"x","b":[1,{"c":2,"d":1}]}' });
  });
});

describe('RequestFlow: revocation and the re-check of released holds', () => {
  const holding = (signal: AbortSignal) => new Promise<HoldResult>((resolve) => signal.addEventListener('abort', () => resolve({ status: 'cancelled', holdId: 'h-r' })));

  it('a revocation refuses the held requests of the identity it covers with REVOKED, and ends its sessions', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }), hold: holding });
    const opened = await t.flow.open(t.opening('good'));
    if (!opened.ok) throw new Error('not opened');
    const exchange = new LineExchange('tools', 'transfer');
    const ran = t.flow.run(opened.session, exchange);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.flow.revoke({ kind: 'client_id', value: 'someone-else' })).toBe(0);
    expect(t.flow.revoke({ kind: 'client_id', value: 'agent-1', issuer: 'https://other.test' })).toBe(0);
    expect(t.flow.revoke({ kind: 'token_id', value: 'jti-1' })).toBe(1);
    expect(await ran).toEqual({ ok: false, refusal: expect.objectContaining({ code: 'REVOKED' }) });
    expect([exchange.refused?.code, exchange.forwarded, exchange.holdId]).toEqual(['REVOKED', 0, 'h-r']);
    expect(t.later.find((e) => e.kind === 'sessionEnded')).toMatchObject({ reason: 'revoked' });
    // Nothing more runs in it.
    const next = new LineExchange('tools', 'lookup');
    expect(await t.flow.run(opened.session, next)).toMatchObject({ ok: false, refusal: { code: 'REVOKED' } });
    expect(next.forwarded).toBe(0);
    expect(opened.session.terminated.aborted).toBe(true);
  });

  it('a closed or detached session is forgotten: a later revocation finds nothing to end', async () => {
    const t = setup();
    const opened = await t.flow.open(t.opening('good'));
    const detached = await t.flow.open(t.opening('good'));
    if (!opened.ok || !detached.ok) throw new Error('not opened');
    t.flow.close(opened.session, 'closed');
    t.flow.detach(detached.session);
    expect(t.flow.revoke({ kind: 'subject', value: 'agent-1' })).toBe(0);
  });

  it('asks identity afresh before releasing an approved hold: a caller revoked meanwhile is refused, and the approver sees it in the record', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: hold }) });
    let released = false;
    t.flow['ports'].approvals.hold = async () => {
      released = true;
      return { status: 'approved', holdId: 'h-12', approver: 'ops' };
    };
    const asked: unknown[] = [];
    t.flow['ports'].identity.verify = async (token, options) => {
      asked.push(options);
      return released ? { ok: false, code: 'REVOKED', message: 'this identity has been revoked' } : { ok: true, principal };
    };
    const exchange = new LineExchange('tools', 'transfer');
    await t.flow.serveOne(t.opening('good'), exchange);
    expect([exchange.refused?.code, exchange.forwarded, exchange.holdId]).toEqual(['REVOKED', 0, 'h-12']);
    expect(exchange.refused?.message).toMatch(/^the request was approved, but its caller is no longer valid: this identity has been revoked/);
    expect(asked).toEqual([{ type: 'jwt', continuing: false }, { type: 'jwt', continuing: true, fresh: true }]);
    expect(t.completed()).toMatchObject({ outcome: 'failed', errorCode: 'REVOKED' });
  });

  it('a SAML session is opened once and continued: identity is told which', async () => {
    const t = setup();
    const asked: unknown[] = [];
    t.flow['ports'].identity.verify = async (_token, options) => {
      asked.push(options);
      return { ok: true, principal };
    };
    const opening = { protocol: 'http' as const, token: 'PHNhbWw+', credentialType: 'saml' as const, clientAddress: '127.0.0.1:5000' };
    const first = await t.flow.serve(opening, new LineExchange('tools', 'a'), undefined);
    await t.flow.serve(opening, new LineExchange('tools', 'b'), first);
    expect(asked).toEqual([{ type: 'saml', continuing: false }, { type: 'saml', continuing: true }]);
  });
});

describe('RequestFlow: per-principal limits', () => {
  const LIMITS: Limits = { concurrentRequests: 2, pendingHolds: 1, bufferedBodyBytes: 64, retryAfterSeconds: 2 };
  const idle = { requests: 0, holds: 0, bytes: 0 };

  it('refuses a request past the concurrent limit before reading it, records it, and admits again once one ends', async () => {
    const t = setup({ limits: LIMITS });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = () => new LineExchange('tools', 'lookup', () => ({ ok: true, reply: new LineReply('ok') }));
    const first = slow();
    const second = slow();
    const opened = await t.flow.open(t.opening('good'));
    if (!opened.ok) throw new Error('not opened');
    const session = opened.session;
    let forwarding = 0;
    for (const e of [first, second]) e.onForward = () => void forwarding++;
    const blocked = (e: LineExchange) => {
      const original = e.forward.bind(e);
      e.forward = async () => {
        const reply = await original();
        await gate;
        return reply;
      };
      return e;
    };
    const running = [t.flow.run(session, blocked(first)), t.flow.run(session, blocked(second))];
    await vi.waitFor(() => expect(forwarding).toBe(2));
    expect(t.limiter!.inUse(principal)).toMatchObject({ requests: 2 });
    const third = new LineExchange('tools', 'lookup');
    expect(await t.flow.run(session, third)).toMatchObject({ ok: false, refusal: { code: 'LIMIT_EXCEEDED', reasons: ['limit:concurrent_requests'], retryAfterSeconds: 2 } });
    expect(third.forwarded).toBe(0);
    expect(third.refused?.message).toMatch(/2 requests in flight/);
    expect(t.later.filter((e) => e.kind === 'requestCompleted').at(-1)).toMatchObject({ outcome: 'denied', errorCode: 'LIMIT_EXCEEDED', reasons: ['limit:concurrent_requests'] });
    release();
    await Promise.all(running);
    expect(t.limiter!.inUse(principal)).toEqual(idle);
    expect(await t.flow.run(session, new LineExchange('tools', 'lookup'))).toEqual({ ok: true });
    t.flow.close(session, 'closed');
  });

  it('gives everything back on every path: forwarded, denied, upstream failure, bad request, thrown, held and abandoned', async () => {
    const paths: { name: string; t: ReturnType<typeof setup>; exchange: LineExchange; abort?: boolean }[] = [
      { name: 'forwarded', t: setup({ limits: LIMITS }), exchange: new LineExchange('tools', 'lookup') },
      { name: 'denied', t: setup({ limits: LIMITS, decide: () => ({ ok: true, decision: { ...allow(), effect: 'deny' } }) }), exchange: new LineExchange('tools', 'lookup') },
      { name: 'upstream', t: setup({ limits: LIMITS }), exchange: new LineExchange('tools', 'lookup', () => ({ ok: false, refusal: refusal('UPSTREAM_UNAVAILABLE', 'down') })) },
      { name: 'bad request', t: setup({ limits: LIMITS }), exchange: new LineExchange('tools', 'lookup not-json') },
      { name: 'policy down', t: setup({ limits: LIMITS, decide: () => ({ ok: false, message: 'down' }) }), exchange: new LineExchange('tools', 'lookup') },
      {
        name: 'held, caller gone',
        t: setup({ limits: LIMITS, decide: () => ({ ok: true, decision: hold }), hold: (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: 'cancelled', holdId: 'h-1' }))) }),
        exchange: new LineExchange('tools', 'transfer'),
        abort: true,
      },
    ];
    for (const { name, t, exchange, abort } of paths) {
      const served = t.flow.serveOne(t.opening('good'), exchange);
      if (abort) {
        await vi.waitFor(() => expect(t.calls.hold).toBe(1));
        expect(t.limiter!.inUse(principal)).toMatchObject({ requests: 1, holds: 1 });
        exchange.caller.abort();
      }
      await served;
      expect({ name, use: t.limiter!.inUse(principal), active: t.limiter!.active }).toEqual({ name, use: idle, active: 0 });
    }
    // An adapter that throws still gives its slot back.
    const t = setup({ limits: LIMITS });
    const throwing = new LineExchange('tools', 'lookup');
    throwing.respond = () => {
      throw new Error('socket exploded');
    };
    await expect(t.flow.serveOne(t.opening('good'), throwing)).rejects.toThrow('socket exploded');
    expect(t.limiter!.inUse(principal)).toEqual(idle);
  });

  it('refuses a hold past the pending-hold limit instead of holding it, and tells approvals why an abandoned hold ends', async () => {
    const reasons: unknown[] = [];
    const t = setup({
      limits: LIMITS,
      decide: () => ({ ok: true, decision: hold }),
      hold: (signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            reasons.push(signal.reason);
            resolve({ status: 'cancelled', holdId: 'h-1' });
          }),
        ),
    });
    const waiting = new LineExchange('tools', 'transfer');
    const first = t.flow.serveOne(t.opening('good'), waiting);
    await vi.waitFor(() => expect(t.calls.hold).toBe(1));
    const refused = new LineExchange('tools', 'transfer');
    await t.flow.serveOne(t.opening('good'), refused);
    expect(t.calls.hold).toBe(1); // never asked approvals
    expect(refused.refused).toMatchObject({ code: 'LIMIT_EXCEEDED', reasons: ['limit:pending_holds'], retryAfterSeconds: 2 });
    // Decided and recorded like any refusal after a decision.
    expect(t.later.filter((e) => e.kind === 'requestCompleted').at(-1)).toMatchObject({ errorCode: 'LIMIT_EXCEEDED', reasons: ['limit:pending_holds'] });
    waiting.caller.abort();
    await first;
    expect(waiting.refused?.code).toBe('CALLER_GONE');
    expect(reasons).toEqual([expect.objectContaining({ code: 'CALLER_GONE', message: 'the caller went away while the request was held' })]);
    expect(t.limiter!.inUse(principal)).toEqual(idle);
  });

  it('bounds the request bytes all of a principal\'s requests keep', async () => {
    const t = setup({ limits: { ...LIMITS, bufferedBodyBytes: 10 } });
    const big = new LineExchange('tools', 'lookup {"x":"0123456789"}');
    await t.flow.serveOne(t.opening('good'), big);
    expect(big.refused).toMatchObject({ code: 'LIMIT_EXCEEDED', reasons: ['limit:buffered_body_bytes'] });
    expect(t.calls.decide).toBe(0);
    const small = new LineExchange('tools', 'lookup');
    await t.flow.serveOne(t.opening('good'), small);
    expect(small.sent).toBeDefined();
    expect(t.limiter!.inUse(principal)).toEqual(idle);
  });
});

describe('RequestFlow: a reply that streams', () => {
  /** A reply sent over time: `respond` settles when the test says, with what the stream delivered. */
  class StreamingExchange extends LineExchange {
    signal: AbortSignal | undefined;
    budget: BodyBudget | undefined;
    finish!: (delivery: Delivery) => void;
    responding = false;

    override async describe(budget?: BodyBudget): Promise<Described> {
      this.budget = budget;
      return super.describe(budget);
    }

    override async forward(info?: { readonly signal: AbortSignal }): Promise<Forwarded<LineReply>> {
      this.signal = info?.signal;
      const forwarded = await super.forward();
      this.budget?.release(); // the request data was sent: this adapter keeps none of it
      return forwarded;
    }

    override respond(reply: LineReply): Promise<Delivery> {
      this.sent = reply.text;
      this.responding = true;
      return new Promise((resolve) => (this.finish = resolve));
    }
  }

  it('records a stream cut off midway as failed, with why and what it had masked (the reply’s own and the stream’s)', async () => {
    const t = setup({ decide: () => ({ ok: true, decision: allow({ maskingProfiles: ['cards'] }) }) });
    const exchange = new StreamingExchange('tools', 'lookup');
    const served = t.flow.serveOne(t.opening('good'), exchange);
    await vi.waitFor(() => expect(exchange.responding).toBe(true));
    exchange.finish({ status: { jsonrpc: 0 }, bytes: 120, rows: 0, masked: { card: 2, email: 1 }, failure: refusal('RESPONSE_NOT_MASKABLE', 'an event of the stream could not be masked') });
    await served;
    expect(t.completed()).toMatchObject({ outcome: 'failed', status: { jsonrpc: 0 }, errorCode: 'RESPONSE_NOT_MASKABLE', masked: { card: 3, email: 1 }, responseBytes: 120 });
    expect(t.logs).toMatchObject([{ outcome: 'failed', code: 'RESPONSE_NOT_MASKABLE' }]);
  });

  it('records a stream that ended as forwarded', async () => {
    const t = setup();
    const exchange = new StreamingExchange('tools', 'lookup');
    const served = t.flow.serveOne(t.opening('good'), exchange);
    await vi.waitFor(() => expect(exchange.responding).toBe(true));
    exchange.finish({ status: { jsonrpc: 0 }, bytes: 9, rows: 0, masked: { card: 1 } });
    await served;
    expect(t.completed()).toMatchObject({ outcome: 'forwarded', masked: { card: 1 }, responseBytes: 9 });
    expect(t.completed()).not.toHaveProperty('errorCode');
  });

  it('keeps the forward’s signal armed while the reply streams: a revocation cuts it off, and is why it failed', async () => {
    const t = setup();
    const opened = await t.flow.open(t.opening('good'));
    if (!opened.ok) throw new Error('not opened');
    const exchange = new StreamingExchange('tools', 'lookup');
    const ran = t.flow.run(opened.session, exchange);
    await vi.waitFor(() => expect(exchange.responding).toBe(true));
    expect(exchange.signal?.aborted).toBe(false);
    expect(t.flow.revoke({ kind: 'subject', value: 'agent-1' })).toBe(1);
    expect(exchange.signal?.aborted).toBe(true);
    exchange.finish({ status: { jsonrpc: 0 }, bytes: 5, rows: 0, failure: refusal('UPSTREAM_UNAVAILABLE', 'the stream broke off') });
    expect(await ran).toMatchObject({ ok: false, refusal: { code: 'REVOKED' } });
    expect(t.completed()).toMatchObject({ outcome: 'failed', errorCode: 'REVOKED' });
  });

  it('and the caller going away cuts it off too', async () => {
    const t = setup();
    const exchange = new StreamingExchange('tools', 'lookup');
    const served = t.flow.serveOne(t.opening('good'), exchange);
    await vi.waitFor(() => expect(exchange.responding).toBe(true));
    exchange.caller.abort();
    expect(exchange.signal?.aborted).toBe(true);
    exchange.finish({ status: { jsonrpc: 0 }, bytes: 5, rows: 0 });
    await served;
  });

  it('gives the request’s buffered bytes back once the adapter says it no longer keeps them, while its slot stays taken', async () => {
    const limits: Limits = { concurrentRequests: 2, pendingHolds: 1, bufferedBodyBytes: 64, retryAfterSeconds: 2 };
    const t = setup({ limits });
    const exchange = new StreamingExchange('tools', 'lookup {"x":"0123456789"}');
    const served = t.flow.serveOne(t.opening('good'), exchange);
    await vi.waitFor(() => expect(exchange.responding).toBe(true));
    expect(t.limiter!.inUse(principal)).toEqual({ requests: 1, holds: 0, bytes: 0 });
    exchange.finish({ status: { jsonrpc: 0 }, bytes: 1, rows: 0 });
    await served;
    expect(t.limiter!.inUse(principal)).toEqual({ requests: 0, holds: 0, bytes: 0 });
  });
});
