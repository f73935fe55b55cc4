import type { Principal } from '@portcullis/identity-client';
import { refusal, type Refusal } from './refusal.js';

/** The limits one principal has of one ingress instance: one list, named in every refusal as `limit:<kind>`. */
export const LIMIT_KINDS = ['concurrent_requests', 'pending_holds', 'buffered_body_bytes'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

export interface Limits {
  readonly concurrentRequests: number;
  readonly pendingHolds: number;
  readonly bufferedBodyBytes: number;
  /** What the refused caller is told to wait (Retry-After), in whole seconds. */
  readonly retryAfterSeconds: number;
}

/** Other limits for a group's or a client's principals (fields left out keep the defaults). */
export interface LimitOverride {
  readonly group?: string;
  readonly clientId?: string;
  readonly concurrentRequests?: number;
  readonly pendingHolds?: number;
  readonly bufferedBodyBytes?: number;
}

/** The limits of `principal`: the first override naming its client id or one of its groups, else the defaults. */
export function limitsResolver(defaults: Limits, overrides: readonly LimitOverride[]): (principal: Principal) => Limits {
  if (overrides.length === 0) return () => defaults;
  return (principal) => {
    const match = overrides.find((o) => (o.clientId !== undefined && o.clientId === principal.clientId) || (o.group !== undefined && principal.groups.includes(o.group)));
    if (!match) return defaults;
    return {
      concurrentRequests: match.concurrentRequests ?? defaults.concurrentRequests,
      pendingHolds: match.pendingHolds ?? defaults.pendingHolds,
      bufferedBodyBytes: match.bufferedBodyBytes ?? defaults.bufferedBodyBytes,
      retryAfterSeconds: defaults.retryAfterSeconds,
    };
  };
}

interface Usage {
  requests: number;
  holds: number;
  bytes: number;
  readonly limits: Limits;
}

/**
 * Counts what each principal (issuer and subject) has in flight on this instance — requests,
 * pending holds, buffered request bytes — and refuses what would exceed its limits. A request
 * takes a `Ticket` when it starts and releases it once, however it ends; a principal with nothing
 * in flight is forgotten, so the table holds only active principals.
 */
export class PrincipalLimiter {
  private readonly usage = new Map<string, Usage>();

  constructor(private readonly limitsFor: (principal: Principal) => Limits) {}

  /** A request of `principal` starts: its ticket, or the refusal when it has as many in flight as it may. */
  admit(principal: Principal): { readonly ok: true; readonly ticket: Ticket } | { readonly ok: false; readonly refusal: Refusal } {
    const key = keyOf(principal);
    let usage = this.usage.get(key);
    if (!usage) {
      usage = { requests: 0, holds: 0, bytes: 0, limits: this.limitsFor(principal) };
      this.usage.set(key, usage);
    }
    if (usage.requests >= usage.limits.concurrentRequests) {
      this.forgetIfIdle(key, usage);
      return { ok: false, refusal: exceeded('concurrent_requests', `this caller already has ${usage.limits.concurrentRequests} requests in flight, its limit`, usage.limits) };
    }
    usage.requests++;
    return { ok: true, ticket: new Ticket(usage, () => this.forgetIfIdle(key, usage)) };
  }

  /** What `principal` has in flight now (zeros when nothing). */
  inUse(principal: Principal): { readonly requests: number; readonly holds: number; readonly bytes: number } {
    const usage = this.usage.get(keyOf(principal));
    return { requests: usage?.requests ?? 0, holds: usage?.holds ?? 0, bytes: usage?.bytes ?? 0 };
  }

  /** Principals with something in flight. */
  get active(): number {
    return this.usage.size;
  }

  private forgetIfIdle(key: string, usage: Usage): void {
    if (usage.requests === 0 && usage.holds === 0 && usage.bytes === 0 && this.usage.get(key) === usage) this.usage.delete(key);
  }
}

/** One request's share of its principal's limits. Everything it took is given back by `release`, once. */
export class Ticket {
  private bytes = 0;
  private holding = false;
  private released = false;

  constructor(
    private readonly usage: Usage,
    private readonly idle: () => void,
  ) {}

  /** Keeps `bytes` more of the request in memory, or the refusal when the principal's budget would be exceeded. */
  reserveBody(bytes: number): Refusal | undefined {
    if (this.released || bytes <= 0) return undefined;
    const limit = this.usage.limits.bufferedBodyBytes;
    if (this.usage.bytes + bytes > limit) return exceeded('buffered_body_bytes', `this caller's requests in flight would keep more than ${limit} bytes of request data in the gateway, its limit`, this.usage.limits);
    this.usage.bytes += bytes;
    this.bytes += bytes;
    return undefined;
  }

  /** The request no longer keeps its request data (it was sent): those bytes go back now. Idempotent. */
  releaseBody(): void {
    this.usage.bytes -= this.bytes;
    this.bytes = 0;
  }

  /** The request is about to wait for approvers: a pending-hold slot, or the refusal. */
  hold(): Refusal | undefined {
    if (this.released || this.holding) return undefined;
    const limit = this.usage.limits.pendingHolds;
    if (this.usage.holds >= limit) return exceeded('pending_holds', `this caller already has ${limit} requests waiting for approval, its limit`, this.usage.limits);
    this.usage.holds++;
    this.holding = true;
    return undefined;
  }

  /** The wait for approvers ended (whatever its outcome). */
  unhold(): void {
    if (!this.holding) return;
    this.holding = false;
    this.usage.holds--;
  }

  /** The request ended: its slot, hold and bytes go back. Idempotent. */
  release(): void {
    if (this.released) return;
    this.unhold();
    this.releaseBody();
    this.usage.requests--;
    this.released = true;
    this.idle();
  }
}

function exceeded(kind: LimitKind, what: string, limits: Limits): Refusal {
  return { ...refusal('LIMIT_EXCEEDED', `${what}; retry after ${limits.retryAfterSeconds} s`, [`limit:${kind}`]), retryAfterSeconds: limits.retryAfterSeconds };
}

function keyOf(principal: Pick<Principal, 'issuer' | 'subject'>): string {
  return `${principal.issuer}\n${principal.subject}`;
}
