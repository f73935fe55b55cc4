export { IdentityClient, principalFromProto, principalToProto, TOKEN_FAILURE_CODES, VERIFY_FAILURE_CODES, type TokenFailureCode, type VerifyFailureCode, type Principal, type VerifyOutcome, type IdentityClientOptions } from './identity-client.js';
export { bearerGuard, type Authenticate, type BearerGuard, type BearerGuardOptions } from './bearer-guard.js';
