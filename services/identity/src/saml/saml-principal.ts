import type { SamlIssuerConfig } from '@portcullis/config';
import { canonicalJson } from '@portcullis/request-model';
import { MAX_CLAIMS_BYTES } from '../domain/principal-claims.js';
import { VerifyError, type Principal } from '../domain/verify-outcome.js';
import { quote, type SamlAssertion } from './saml-assertion.js';

// What a read assertion must satisfy at `now` for its issuer, and the principal it becomes.

/** The settings of a SAML issuer these checks use (the certificate is the signature check's). */
export type SamlIssuerRules = Pick<SamlIssuerConfig, 'issuer' | 'audience' | 'maxTokenLifetime' | 'clockTolerance' | 'attributes' | 'kind'>;

/**
 * Checks the assertion's times, audience and lifetime, and returns when it stops being valid:
 * the earliest NotOnOrAfter (Conditions, bearer confirmation). Throws VerifyError otherwise.
 */
export function checkValidity(assertion: SamlAssertion, issuer: SamlIssuerRules, now: Date): Date {
  const tolerance = issuer.clockTolerance;
  const at = now.getTime();
  // A future IssueInstant would stretch a "short" lifetime arbitrarily far ahead.
  if (assertion.issueInstant.getTime() > at + tolerance) throw new VerifyError('TOKEN_NOT_YET_VALID', 'assertion is issued in the future (IssueInstant)');
  if (assertion.notBefore && assertion.notBefore.getTime() > at + tolerance) throw new VerifyError('TOKEN_NOT_YET_VALID', 'assertion is not valid yet (Conditions NotBefore is in the future)');
  const expiresAt = earliest(assertion.notOnOrAfter, assertion.confirmationNotOnOrAfter);
  // NotOnOrAfter is exclusive (SAML core §2.5.1.2).
  if (at >= expiresAt.getTime() + tolerance) throw new VerifyError('TOKEN_EXPIRED', 'assertion has expired (NotOnOrAfter has passed)');
  if (expiresAt <= assertion.issueInstant) throw new VerifyError('ASSERTION_INVALID', 'assertion expires before it is issued (NotOnOrAfter <= IssueInstant)');
  checkAudience(assertion, issuer);
  const lifetime = expiresAt.getTime() - assertion.issueInstant.getTime();
  if (lifetime > issuer.maxTokenLifetime) {
    throw new VerifyError('LIFETIME_TOO_LONG', `assertion lifetime (NotOnOrAfter - IssueInstant) of ${lifetime / 1000} s exceeds the ${issuer.maxTokenLifetime / 1000} s this issuer allows`);
  }
  return expiresAt;
}

/** Every AudienceRestriction must name a configured audience (SAML core §2.5.1.4), and there must be one. */
function checkAudience(assertion: SamlAssertion, issuer: SamlIssuerRules): void {
  const expected = issuer.audience.length === 1 ? `"${issuer.audience[0]}"` : `one of "${issuer.audience.join('", "')}"`;
  if (assertion.audienceRestrictions.length === 0) throw new VerifyError('AUDIENCE_MISMATCH', `assertion has no AudienceRestriction; it must name ${expected}`);
  if (!assertion.audienceRestrictions.every((audiences) => audiences.some((a) => issuer.audience.includes(a)))) {
    throw new VerifyError('AUDIENCE_MISMATCH', `assertion AudienceRestriction does not name ${expected}`);
  }
}

/** The principal the assertion names, and the size of its claims when they were too large to carry. */
export function principalOf(assertion: SamlAssertion, issuer: SamlIssuerRules, expiresAt: Date): { readonly principal: Principal; readonly droppedClaimsBytes?: number } {
  const claims = claimsJsonOf(assertion);
  const principal: Principal = {
    subject: assertion.nameId,
    clientId: issuer.attributes.clientId === undefined ? assertion.nameId : clientIdOf(assertion, issuer.attributes.clientId),
    groups: groupsOf(assertion, issuer.attributes.groups),
    issuer: issuer.issuer,
    expiresAt,
    scopes: Object.freeze([]),
    kind: issuer.kind,
    claimsJson: claims.json,
    tokenId: assertion.id,
  };
  return claims.droppedBytes === undefined ? { principal } : { principal, droppedClaimsBytes: claims.droppedBytes };
}

/** The configured client attribute's one value: the operator said where the workload is named, so it must be there. */
function clientIdOf(assertion: SamlAssertion, name: string): string {
  const values = assertion.attributes.get(name);
  if (values === undefined) throw new VerifyError('CLAIM_INVALID', `assertion lacks the attribute ${quote(name)} naming its client`);
  if (values.length !== 1 || values[0] === '') throw new VerifyError('CLAIM_INVALID', `assertion attribute ${quote(name)} must have exactly one non-empty value`);
  return values[0]!;
}

/** The values of every configured group attribute, merged in order without duplicates. */
function groupsOf(assertion: SamlAssertion, names: readonly string[]): readonly string[] {
  const groups = new Set<string>();
  for (const name of names) {
    for (const value of assertion.attributes.get(name) ?? []) {
      if (value === '') throw new VerifyError('CLAIM_INVALID', `assertion attribute ${quote(name)} has an empty group`);
      groups.add(value);
    }
  }
  return Object.freeze([...groups]);
}

/**
 * `{ iss, sub, aud, attributes }` as canonical JSON, or "{}" with the size when it exceeds
 * MAX_CLAIMS_BYTES (the caller logs the size, never the content).
 */
function claimsJsonOf(assertion: SamlAssertion): { readonly json: string; readonly droppedBytes?: number } {
  const json = canonicalJson({
    iss: assertion.issuer,
    sub: assertion.nameId,
    aud: [...new Set(assertion.audienceRestrictions.flat())],
    // fromEntries defines own properties: an attribute named "__proto__" stays an attribute.
    attributes: Object.fromEntries(assertion.attributes),
  });
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > MAX_CLAIMS_BYTES ? { json: '{}', droppedBytes: bytes } : { json };
}

function earliest(first: Date, second: Date | undefined): Date {
  return second !== undefined && second < first ? second : first;
}
