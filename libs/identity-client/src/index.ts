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
} from './identity-client.js';
export { bearerGuard, type Authenticate, type BearerGuard, type BearerGuardOptions } from './bearer-guard.js';
