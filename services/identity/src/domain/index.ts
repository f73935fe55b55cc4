export { TokenVerifier, MAX_TOKEN_LENGTH, type Clock, type KeyResolver } from './token-verifier.js';
export { VerifyError, type FailureCode, type Principal, type VerifyFailure, type VerifyOutcome } from './verify-outcome.js';
export { MAX_CLAIMS_BYTES } from './principal-claims.js';
export { RevocationSet } from './revocations.js';
export { Authenticator, type CredentialVerifier } from './authenticator.js';
