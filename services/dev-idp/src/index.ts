// The dev IdP as a library, for tests that start it in-process (main.ts serves it as a process).
export { createDevIdp } from './app.js';
export type { DevIdp, DevIdpClient, DevIdpLogger, DevIdpNestedOptions, DevIdpOptions, DevIdpSamlOptions } from './app.js';
export { generateSamlSigningPair } from './saml-keys.js';
export type { SamlSigningPair } from './saml-keys.js';
