import type { Principal } from '@portcullis/identity-client';
import type { Protocol, Target } from '@portcullis/request-model';
import type { Decision } from './decision.js';
import type { RefusalCode } from './refusal.js';

/** How a request ended, as the caller saw it. */
export type Outcome = 'forwarded' | 'denied' | 'failed';

/** The status in the caller's own protocol. */
export type ProtocolStatus = { readonly http: number } | { readonly sqlstate: string } | { readonly jsonrpc: number };

/** Why a session ended. */
export type SessionEndReason = 'closed' | 'principal_expired' | 'revoked' | 'shutdown' | 'gone';

/** What every event of the gateway shares: the envelope. */
interface Envelope {
  readonly id: string;
  readonly occurredAt: Date;
  readonly sessionId: string;
  /** Empty for session events. */
  readonly requestId: string;
  readonly connection: string;
}

/** The events the gateway emits, typed in its own terms; the bus adapter turns them into protobuf. */
export type GatewayEvent =
  | (Envelope & {
      readonly kind: 'sessionStarted';
      readonly principal: Principal;
      readonly protocol: Protocol;
      readonly clientAddress: string;
      readonly clientUser?: string;
      readonly applicationName?: string;
    })
  | (Envelope & { readonly kind: 'sessionEnded'; readonly reason: SessionEndReason; readonly requests: number; readonly durationUs: number })
  | (Envelope & { readonly kind: 'requestReceived'; readonly principal?: Principal; readonly protocol: Protocol; readonly target?: Target })
  | (Envelope & {
      readonly kind: 'authenticationFailed';
      readonly code: RefusalCode;
      readonly message: string;
      readonly protocol: Protocol;
      readonly clientAddress: string;
      /** How the refused credential was presented; '' when there was none. */
      readonly credentialType: '' | 'jwt' | 'saml';
      /** The issuer the credential was checked against or claimed (bounded); '' when unknown. */
      readonly issuer: string;
      /** What the caller asked for (SessionOpening.asked); '' when unknown. */
      readonly asked: string;
      /** Refusals this record stands for (1; more for a window's summary, whose fields are its last one's). */
      readonly count: number;
      readonly window?: { readonly start: Date; readonly end: Date };
    })
  | (Envelope & { readonly kind: 'decisionMade'; readonly decision: Decision; readonly fromCache: boolean })
  | (Envelope & {
      readonly kind: 'requestCompleted';
      readonly outcome: Outcome;
      readonly status: ProtocolStatus;
      readonly durationUs: number;
      readonly masked: Readonly<Record<string, number>>;
      readonly responseBytes: number;
      readonly rows: number;
      readonly commandTags?: readonly string[];
      readonly errorCode?: RefusalCode;
      readonly reasons: readonly string[];
    })
  | (Envelope & { readonly kind: 'toolDefinitionChanged'; readonly tool: string; readonly approvedDigest: string; readonly newDigest: string })
  | (Envelope & { readonly kind: 'toolDefinitionApproved'; readonly tool: string; readonly digest: string; readonly previousDigest: string; readonly approvedBy: string });

export type GatewayEventKind = GatewayEvent['kind'];
