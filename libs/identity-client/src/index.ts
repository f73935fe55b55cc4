export {
  IdentityClient,
  principalFromProto,
  principalToProto,
  PRINCIPAL_KINDS,
  TOKEN_FAILURE_CODES,
  VERIFY_FAILURE_CODES,
  type TokenFailureCode,
  type VerifyFailureCode,
  type Principal,
  type PrincipalKind,
  type VerifyOutcome,
  type IdentityClientOptions,
  CREDENTIAL_TYPES,
  type CredentialType,
  type VerifyOptions,
} from './identity-client.js';
export {
  REVOCATION_KINDS,
  MAX_SELECTOR_VALUE,
  MAX_REVOCATION_REASON,
  revocationMatches,
  describeSelector,
  selectorKey,
  selectorToProto,
  selectorFromProto,
  revocationToProto,
  revocationFromProto,
  type RevocationKind,
  type RevocationSelector,
  type Revocation,
} from './revocation.js';
export { bearerGuard, type Authenticate, type BearerGuard, type BearerGuardOptions } from './bearer-guard.js';
export { credentialFromAuthorization, credentialFromPassword, type Credential } from './credential.js';
