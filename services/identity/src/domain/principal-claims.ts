import type { JWTPayload } from 'jose';
import type { PrincipalKind } from '@portcullis/identity-client';
import { canonicalJson } from '@portcullis/request-model';
import { VerifyError } from './verify-outcome.js';

// How a verified token's claims become the principal's attributes. Every reader refuses a claim of
// the wrong type (CLAIM_INVALID) rather than guess: a rule matching on it must see what the issuer
// meant or nothing.

/**
 * Longest canonical JSON of a token's claims the principal carries (UTF-8 bytes). The token length
 * cap bounds the payload, but canonical JSON can be longer than the token's own (numbers are
 * written out in full), and every decision request and event carries the claims.
 */
export const MAX_CLAIMS_BYTES = 16 * 1024;

/** The `client_id`, else `azp`, claim; undefined when the token names no client. */
export function clientIdOf(payload: JWTPayload): string | undefined {
  for (const claim of ['client_id', 'azp'] as const) {
    const value = payload[claim];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new VerifyError('CLAIM_INVALID', `token claim "${claim}" must be a string`);
    if (value !== '') return value;
  }
  return undefined;
}

export function groupsOf(payload: JWTPayload, claim: string): readonly string[] {
  const value = payload[claim];
  if (value === undefined) return [];
  if (!isStringArray(value)) throw new VerifyError('CLAIM_INVALID', `token claim "${claim}" must be an array of strings`);
  return Object.freeze([...value]);
}

/**
 * The granted scopes: `scope` (RFC 9068: space-separated), else `scp` (a space-separated string or
 * an array of strings, as IdPs differ), in token order. Both are checked when present.
 */
export function scopesOf(payload: JWTPayload): readonly string[] {
  const { scope, scp } = payload;
  if (scope !== undefined && typeof scope !== 'string') throw new VerifyError('CLAIM_INVALID', 'token claim "scope" must be a space-separated string');
  if (scp !== undefined && typeof scp !== 'string' && !isStringArray(scp)) {
    throw new VerifyError('CLAIM_INVALID', 'token claim "scp" must be a space-separated string or an array of strings');
  }
  const granted = (scope ?? scp ?? []) as string | string[];
  const scopes = typeof granted === 'string' ? granted.split(' ') : granted;
  return Object.freeze(scopes.filter((s) => s !== ''));
}

/**
 * "machine" when the token was issued to a client for itself — its subject is the client it names
 * (`client_id` or `azp`), the shape of the client-credentials grant — else "human". Positive
 * evidence only: a token that names no client is a person's. This is the one place the rule lives;
 * a later issue makes the classification configurable per issuer (IdPs shape tokens differently).
 */
export function principalKind(subject: string, clientId: string | undefined): PrincipalKind {
  return clientId !== undefined && clientId === subject ? 'machine' : 'human';
}

/**
 * The verified claims as canonical JSON, or "{}" with the size when they exceed MAX_CLAIMS_BYTES
 * (the caller logs the size, never the content). JWT claims are not secrets; the token is not
 * among them. A payload canonical JSON cannot hold (a number out of range) is refused.
 */
export function claimsJsonOf(payload: JWTPayload): { readonly json: string; readonly droppedBytes?: number } {
  let json: string;
  try {
    json = canonicalJson(payload);
  } catch {
    throw new VerifyError('CLAIM_INVALID', 'token claims hold a value JSON cannot represent (a number out of range)');
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > MAX_CLAIMS_BYTES ? { json: '{}', droppedBytes: bytes } : { json };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
