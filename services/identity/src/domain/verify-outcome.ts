import { PortcullisError } from '@portcullis/errors';
import type { Principal, TokenFailureCode } from '@portcullis/identity-client';
/** Why a token was refused: the one list in @portcullis/identity-client, as on the wire. */
export type FailureCode = TokenFailureCode;

/** A verified identity: the one type in @portcullis/identity-client, as on the wire. */
export type { Principal };

export interface VerifyFailure {
  readonly code: FailureCode;
  /** For the caller: human-readable, never the token. */
  readonly message: string;
  /** The configured issuer the token was checked against, or its (unverified) `iss` when untrusted. */
  readonly issuer?: string;
  /** For operators only (logs), e.g. why an issuer's keys could not be fetched. Never sent to callers. */
  readonly detail?: string;
}

export type VerifyOutcome =
  /** `droppedClaimsBytes`: the claims were too large to carry (their size), for the operator's log. */
  | { readonly ok: true; readonly principal: Principal; readonly droppedClaimsBytes?: number }
  | { readonly ok: false; readonly failure: VerifyFailure };

/**
 * A refusal raised inside verification, branched on by `code` like jose's own errors. It never
 * leaves the domain: TokenVerifier turns it into a VerifyFailure value.
 */
export class VerifyError extends PortcullisError<FailureCode> {
  constructor(
    code: FailureCode,
    message: string,
    readonly detail?: string,
  ) {
    super(code, message);
  }
}
