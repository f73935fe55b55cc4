export { IdentityClient, principalFromProto, principalToProto, type Principal, type VerifyOutcome, type IdentityClientOptions } from './identity-client.js';
