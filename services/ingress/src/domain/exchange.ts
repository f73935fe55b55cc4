import type { MaskingProfile } from '@portcullis/detectors';
import type { CredentialType } from '@portcullis/identity-client';
import type { Protocol, Target } from '@portcullis/request-model';
import type { Decision } from './decision.js';
import type { ProtocolStatus } from './events.js';
import type { HeldNotice } from './ports.js';
import type { Refusal } from './refusal.js';
import type { Stages } from './stages.js';

/** The request bytes a request may keep in memory, from its principal's budget (`PrincipalLimiter`). */
export interface BodyBudget {
  /** Reserves `bytes` more; undefined when they fit, else the refusal to answer with (keep nothing more). */
  reserve(bytes: number): Refusal | undefined;
  /**
   * The adapter no longer keeps the request data it reserved (it was sent to the target): the
   * bytes go back now rather than when the request ends, which for a streamed reply may be hours.
   */
  release(): void;
}

/** How a caller opens a session: what its protocol carries before any request. */
export interface SessionOpening {
  readonly protocol: Protocol;
  /** The caller's credential as presented (bearer token, PostgreSQL password); never logged. */
  readonly token: string | undefined;
  /** How the credential was presented; default "jwt". */
  readonly credentialType?: CredentialType;
  /**
   * What the caller asked for, recorded when it is refused before anything is decided: the HTTP
   * method and path (no query: queries carry secrets), the database and user; at most 200 characters.
   */
  readonly asked?: string;
  readonly clientAddress: string;
  /** PostgreSQL: the user name and application_name the caller gave (recorded, never trusted). */
  readonly clientUser?: string;
  readonly applicationName?: string;
}

export type Described =
  | {
      readonly ok: true;
      readonly target: Target;
      /**
       * A digest equal for two targets that policy cannot tell apart (SQL: every fact of the parsed
       * statements that a rule can test, literals left out), so a remembered decision serves both.
       * Absent: the target itself is the key.
       */
      readonly shape?: string;
    }
  | { readonly ok: false; readonly refusal: Refusal };

export type Masked = { readonly ok: true; readonly findings: Readonly<Record<string, number>> } | { readonly ok: false; readonly refusal: Refusal };

/** A target's answer, held by the gateway until it is masked and sent. */
export interface Reply {
  /** Masks the reply in its own format (body, headers, rows). Fails closed: on failure nothing of it is sent. */
  mask(profile: MaskingProfile): Masked;
}

export type Forwarded<R extends Reply> = { readonly ok: true; readonly reply: R } | { readonly ok: false; readonly refusal: Refusal };

/** What reached the caller. */
export interface Delivery {
  readonly status: ProtocolStatus;
  readonly bytes: number;
  readonly rows: number;
  /** Values masked while the reply streamed (a reply that masks as it is sent, e.g. SQL rows). */
  readonly masked?: Readonly<Record<string, number>>;
  /** SQL: the command tags the target completed with, in order. */
  readonly commandTags?: readonly string[];
  /**
   * The reply was cut off after it began (a part of a stream that could not be masked, a target
   * that broke off): why. The caller saw a broken reply; the request is recorded as failed.
   */
  readonly failure?: Refusal;
}

/** Identifiers the caller may see with a response or a refusal. */
export interface ResponseInfo {
  readonly requestId: string;
  readonly holdId?: string;
  readonly stages?: Stages;
}

/**
 * One request of a protocol adapter, as the flow sees it. The adapter translates between its wire
 * protocol and these calls; the flow decides their order. Nothing reaches the target except through
 * `forward`, which the flow calls only after a durable RequestReceived and an allow decision.
 */
export interface Exchange<R extends Reply = Reply> {
  readonly protocol: Protocol;
  /** The connection the caller named (it may not exist; the flow checks). */
  readonly connection: string;
  /** Aborts when the caller goes away. */
  readonly gone: AbortSignal;
  /**
   * What the request asks the target to do, complete and checked (a body read, bounded), or why it
   * cannot be served. Called only for an authenticated caller and a known connection. The request
   * data the adapter keeps for the request (a body as it arrives, a message already read) is
   * reserved from `budget` first; a refused reservation is the answer.
   */
  describe(budget: BodyBudget): Promise<Described>;
  /**
   * Sends exactly the described request to the target, with the credential the gateway holds.
   * `masking` is the profile the reply will be masked with: an adapter that can tell the reply
   * could not be masked (a COPY in a format it cannot read) refuses here, before anything runs.
   * `signal` aborts when the caller goes away or its session is revoked, until `respond` settles
   * (a reply that streams is cut off then).
   */
  forward(info: { readonly requestId: string; readonly signal: AbortSignal; readonly masking?: MaskingProfile }): Promise<Forwarded<R>>;
  /**
   * Sends the (masked) reply to the caller; a reply that streams (SQL rows) resolves when it has
   * all been sent.
   */
  respond(reply: R, info: ResponseInfo): Delivery | Promise<Delivery>;
  /** The request now waits for approvers (optional: a protocol that can tell its caller meanwhile). */
  held?(notice: HeldNotice, decision: Decision): void;
  /** Refuses in the caller's protocol and says what status the caller got. */
  refuse(refusal: Refusal, info: Partial<ResponseInfo>): ProtocolStatus;
}
