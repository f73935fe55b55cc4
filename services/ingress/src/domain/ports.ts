import type { Principal, VerifyOutcome } from '@portcullis/identity-client';
import type { commonV1, eventsV1 } from '@portcullis/proto-gen';

// The gatekeeper's view of the rest of the system. Adapters implement these over gRPC and NATS;
// the gatekeeper itself knows no transport.

export type Decision = commonV1.Decision;
export type RequestContext = commonV1.RequestContext;

export interface IdentityPort {
  verify(token: string): Promise<VerifyOutcome>;
}

export type DecideOutcome = { readonly ok: true; readonly decision: Decision } | { readonly ok: false; readonly message: string; readonly detail?: string };

export interface PolicyPort {
  decide(context: RequestContext): Promise<DecideOutcome>;
}

export type EventBody = NonNullable<eventsV1.Event['body']>;

export interface EventsPort {
  /** Resolves once every event is durably stored, in the order given. Rejects if the bus cannot. */
  record(events: readonly eventsV1.Event[]): Promise<void>;
  /** Records without holding up the caller; retries in the background. */
  recordLater(event: eventsV1.Event): void;
}

export type HoldResult =
  | { readonly status: 'approved'; readonly holdId: string; readonly approver: string }
  | { readonly status: 'denied'; readonly holdId: string; readonly approver: string; readonly reason: string }
  | { readonly status: 'expired'; readonly holdId: string }
  | { readonly status: 'cancelled'; readonly holdId?: string }
  | { readonly status: 'unavailable'; readonly message: string; readonly detail?: string };

export interface ApprovalsPort {
  /** Holds the request until it is approved, denied or expires, or the caller goes away. */
  hold(context: RequestContext, decision: Decision, signal: AbortSignal): Promise<HoldResult>;
}

export type { Principal };
