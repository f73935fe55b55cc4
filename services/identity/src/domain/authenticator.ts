import type { CredentialType } from '@portcullis/identity-client';
import { describeSelector } from '@portcullis/identity-client';
import type { RevocationSet } from './revocations.js';
import type { VerifyOutcome } from './verify-outcome.js';

/** One verifier per credential type (the JWT verifier, the SAML verifier). */
export interface CredentialVerifier {
  verify(credential: string, options: { readonly continuing: boolean }): Promise<VerifyOutcome>;
}

/**
 * Verify: the credential by its type, then the principal against the revocations in force. A
 * revoked principal is refused whatever its token says, so a fresh token of a revoked client is
 * refused too.
 */
export class Authenticator {
  constructor(
    private readonly verifiers: Readonly<Record<CredentialType, CredentialVerifier | undefined>>,
    private readonly revocations: RevocationSet,
  ) {}

  async verify(credential: string, type: CredentialType, continuing: boolean): Promise<VerifyOutcome> {
    const verifier = this.verifiers[type];
    if (!verifier) {
      return { ok: false, failure: { code: 'ISSUER_UNTRUSTED', message: type === 'saml' ? 'this gateway trusts no SAML identity provider' : 'this gateway trusts no OpenID provider' } };
    }
    const outcome = await verifier.verify(credential, { continuing });
    if (!outcome.ok) return outcome;
    // Fail closed: a principal is not known to be unrevoked when the store has not answered lately.
    if (this.revocations.stale) {
      return { ok: false, failure: { code: 'REVOCATIONS_UNAVAILABLE', message: 'the gateway cannot check revocations right now; try again shortly', issuer: outcome.principal.issuer } };
    }
    const revoked = this.revocations.covering(outcome.principal);
    if (!revoked) return outcome;
    return {
      ok: false,
      failure: { code: 'REVOKED', message: 'this identity has been revoked', issuer: outcome.principal.issuer, detail: `${describeSelector(revoked.selector)}: ${revoked.reason}` },
    };
  }
}
