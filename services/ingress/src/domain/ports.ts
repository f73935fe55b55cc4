import type { MaskingProfile } from '@portcullis/detectors';
import type { VerifyOptions, VerifyOutcome } from '@portcullis/identity-client';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';
import type { GatewayEvent, Outcome, ProtocolStatus } from './events.js';
import type { RefusalCode } from './refusal.js';

// The flow's view of the rest of the system. Adapters implement these over gRPC and NATS; the
// flow itself knows no transport.

export interface IdentityPort {
  verify(token: string, options?: VerifyOptions): Promise<VerifyOutcome>;
}

export type DecideOutcome = { readonly ok: true; readonly decision: Decision } | { readonly ok: false; readonly message: string; readonly detail?: string };

export interface PolicyPort {
  decide(context: RequestContext): Promise<DecideOutcome>;
}

export interface EventsPort {
  /** Resolves once every event is durably stored, in the order given. Rejects if the bus cannot. */
  record(events: readonly GatewayEvent[]): Promise<void>;
  /** Records without holding up the caller; retried in the background, in order. */
  recordLater(events: readonly GatewayEvent[]): void;
}

export type HoldResult =
  /** Released: by `approver` (the last of a quorum), or at once by the grant `grantId` (approver ''). */
  | { readonly status: 'approved'; readonly holdId: string; readonly approver: string; readonly grantId?: string }
  | { readonly status: 'denied'; readonly holdId: string; readonly approver: string; readonly reason: string }
  | { readonly status: 'expired'; readonly holdId: string }
  | { readonly status: 'cancelled'; readonly holdId?: string }
  | { readonly status: 'unavailable'; readonly message: string; readonly detail?: string };

/** A stored hold waiting for approvers, as its caller may be told. */
export interface HeldNotice {
  readonly holdId: string;
  readonly expiresAt: Date;
}

export interface ApprovalsPort {
  /**
   * Holds the request until it is approved, denied or expires, or the signal aborts — then the
   * hold is withdrawn (cancelled, with the signal's reason, a Refusal, as why) before it resolves
   * `cancelled`. `onHeld` is told once the hold is stored and waits for people (not when a grant
   * releases it at once).
   */
  hold(context: RequestContext, decision: Decision, signal: AbortSignal, onHeld?: (held: HeldNotice) => void): Promise<HoldResult>;
  /**
   * What became of a released hold: forwarded, or refused because its caller was no longer valid
   * (the approvers are told). Best effort: it never fails the request.
   */
  reportRelease?(holdId: string, release: { readonly forwarded: true } | { readonly forwarded: false; readonly code: string; readonly message: string }): Promise<void>;
}

/** The masking profiles the masking service publishes (the current set, replaced whole). */
export interface MaskingProfilesPort {
  readonly profiles: ReadonlyMap<string, MaskingProfile>;
}

/** One structured line per finished request for the operator's log: codes and ids, never a value. */
export interface RequestLogEntry {
  readonly requestId: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly principal?: string;
  readonly outcome: Outcome;
  readonly status: ProtocolStatus;
  readonly code?: RefusalCode;
  /** The internal detail of a refusal (an underlying error), for the log only. */
  readonly detail?: string;
  readonly durationMs: number;
}

export interface RequestLogPort {
  completed(entry: RequestLogEntry): void;
}

/** Time, injected so that tests freeze it. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (event timestamps, expiry). */
  now(): number;
  /** Monotonic milliseconds (durations). */
  monotonic(): number;
}

/** Ids for requests, sessions and events (UUIDs in production). */
export interface IdSource {
  next(): string;
}

export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => Date.now(), monotonic: () => performance.now() });
