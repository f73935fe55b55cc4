export { SamlVerifier, MAX_ASSERTION_LENGTH, type ResolvedSamlIssuer } from './saml-verifier.js';
export { MemoryAssertionLedger, DEFAULT_LEDGER_CAPACITY, type AssertionLedger } from './assertion-ledger.js';
