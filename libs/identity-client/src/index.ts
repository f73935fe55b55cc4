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
