import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { DevIdpClient, DevIdpOptions, DevIdpSamlOptions } from './app.js';
import { resourceIndicatorFor } from './provider.js';
import type { ResolvedClient } from './provider.js';

// Validation of DevIdpOptions, all of it up front in createDevIdp: a bad option fails there,
// not on the first request. Messages name the option, never a secret or a key.

/** Applies the defaults to `clients` (main or nested) and checks each. */
export function resolveClients(options: DevIdpOptions, clients: readonly DevIdpClient[], where: string): ResolvedClient[] {
  const seen = new Set<string>();
  return clients.map((client, i) => {
    const at = `dev-idp: ${where}[${i}]`;
    if (!isNonEmptyString(client.clientId)) throw new TypeError(`${at}.clientId must be a non-empty string`);
    if (seen.has(client.clientId)) throw new TypeError(`${at}: duplicate clientId "${client.clientId}"`);
    seen.add(client.clientId);
    if (!isNonEmptyString(client.clientSecret)) {
      throw new TypeError(`${at}.clientSecret must be a non-empty string`);
    }
    if (!Array.isArray(client.groups) || !client.groups.every((g) => typeof g === 'string')) {
      throw new TypeError(`${at}.groups must be an array of strings`);
    }
    if (client.audience !== undefined && !isNonEmptyString(client.audience)) {
      throw new TypeError(`${at}.audience must be a non-empty string when set`);
    }
    if (client.tokenTtlSeconds !== undefined && !isPositiveInteger(client.tokenTtlSeconds)) {
      throw new TypeError(`${at}.tokenTtlSeconds must be a positive integer when set`);
    }
    const audience = client.audience ?? options.defaultAudience;
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      groups: [...client.groups],
      audience,
      tokenTtlSeconds: client.tokenTtlSeconds ?? options.defaultTokenTtlSeconds,
      resource: resourceIndicatorFor(audience),
    };
  });
}

export function validateDefaults(options: DevIdpOptions): void {
  if (!isNonEmptyString(options.defaultAudience)) {
    throw new TypeError('dev-idp: defaultAudience must be a non-empty string');
  }
  if (!isPositiveInteger(options.defaultTokenTtlSeconds)) {
    throw new TypeError('dev-idp: defaultTokenTtlSeconds must be a positive integer');
  }
}

export function validateIssuer(issuer: string): void {
  if (issuer === '') return;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`dev-idp: issuer must be an absolute http(s) URL, got "${issuer}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`dev-idp: issuer must be an http(s) URL, got "${issuer}"`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || issuer.endsWith('/')) {
    throw new TypeError(
      `dev-idp: issuer must be an origin without path, query or trailing slash (e.g. http://127.0.0.1:7400), got "${issuer}"`,
    );
  }
}

export function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`dev-idp: port must be an integer in 0..65535, got ${port}`);
  }
}

/** Checks that the key is an RSA private key and the certificate is that key's. */
export function validateSaml(saml: DevIdpSamlOptions): void {
  if (saml.entityId !== undefined && !isNonEmptyString(saml.entityId)) {
    throw new TypeError('dev-idp: saml.entityId must be a non-empty string when set');
  }
  if (saml.audience !== undefined && !isNonEmptyString(saml.audience)) {
    throw new TypeError('dev-idp: saml.audience must be a non-empty string when set');
  }
  if (!isPositiveInteger(saml.assertionTtlSeconds)) {
    throw new TypeError('dev-idp: saml.assertionTtlSeconds must be a positive integer');
  }
  let key;
  try {
    key = createPrivateKey(saml.privateKey);
  } catch {
    throw new TypeError('dev-idp: saml.privateKey is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`dev-idp: saml.privateKey must be an RSA key (RSA-SHA256 signatures), got ${key.asymmetricKeyType}`);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(saml.certificate);
  } catch {
    throw new TypeError('dev-idp: saml.certificate is not a PEM X.509 certificate');
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new TypeError('dev-idp: saml.certificate does not belong to saml.privateKey');
  }
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
