import { timingSafeEqual } from 'node:crypto';
import type { CredentialType, Principal } from '@portcullis/identity-client';
import type { Protocol } from '@portcullis/request-model';
import type { SessionEndReason } from './events.js';
import { refusal, type Refusal } from './refusal.js';

/**
 * A caller's session: one HTTP request, one MCP session, one PostgreSQL connection. The principal is
 * fixed when the session opens and re-checked before every request (expiry here; revocation joins
 * through the same check), so a session never outlives the credential that opened it.
 */
export class Session {
  private decided = 0;
  private endedReason: SessionEndReason | undefined;
  private readonly termination = new AbortController();

  constructor(
    readonly id: string,
    readonly protocol: Protocol,
    readonly principal: Principal,
    readonly clientAddress: string,
    /** Monotonic ms at open, for the session's duration. */
    readonly openedAt: number,
    /** SHA-256 of the credential that opened the session. */
    private readonly credentialDigest: string,
    /**
     * The credential itself, kept in memory only so that a held request is re-checked with identity
     * before it is released (expired, revoked). Never logged, serialised or sent anywhere but identity.
     */
    private readonly credential: { readonly value: string; readonly type: CredentialType },
    /** A session object of one request of a session that lives on elsewhere (a resumed MCP session). */
    readonly transient = false,
  ) {}

  /** Aborts when the session's identity is revoked (reason: the refusal); adapters end the session then. */
  get terminated(): AbortSignal {
    return this.termination.signal;
  }

  /** Ends the session's held and future requests with `reason` (a revocation); true only the first time. */
  terminate(reason: Refusal): boolean {
    if (this.termination.signal.aborted) return false;
    this.termination.abort(reason);
    return true;
  }

  /** The credential to re-check the caller with; see the constructor. */
  presentedCredential(): { readonly value: string; readonly type: CredentialType } {
    return this.credential;
  }

  toJSON(): object {
    return { id: this.id, protocol: this.protocol, principal: this.principal.subject };
  }

  /** Whether `digest` is that of the credential this session was opened with. */
  openedWith(digest: string): boolean {
    return digest.length === this.credentialDigest.length && timingSafeEqual(Buffer.from(digest), Buffer.from(this.credentialDigest));
  }

  /** Requests decided in this session so far. */
  get requests(): number {
    return this.decided;
  }

  get ended(): boolean {
    return this.endedReason !== undefined;
  }

  /** Why a request may not run in this session now, or undefined. `now` is wall-clock ms. */
  recheck(now: number): Refusal | undefined {
    if (this.termination.signal.aborted) return this.termination.signal.reason as Refusal;
    if (this.ended) return refusal('GATEWAY_SHUTTING_DOWN', 'the session has ended');
    if (this.principal.expiresAt.getTime() <= now) return refusal('TOKEN_EXPIRED', 'the token this session was opened with has expired');
    return undefined;
  }

  /** Counts a request that was described and went to be decided. */
  countRequest(): void {
    this.decided++;
  }

  /** Marks the session ended; true only for the first call (a session ends once). */
  end(reason: SessionEndReason): boolean {
    if (this.endedReason !== undefined) return false;
    this.endedReason = reason;
    return true;
  }
}
