import type { JWTPayload } from 'jose';
import type { ClaimPath, KindRule } from '@portcullis/config';
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

/**
 * The workload the token names: the first configured claim present (default `client_id`, then
 * `azp`). When several are present they must agree (RFC 9068 §2.2 / OIDC: `azp` is the client the
 * token was issued to), or the token is refused: which one a rule sees must never be a guess.
 */
export function clientIdOf(payload: JWTPayload, paths: readonly ClaimPath[]): string | undefined {
  let found: { value: string; name: string } | undefined;
  for (const path of paths) {
    const value = claimAt(payload, path);
    if (value === undefined || value === null) continue;
    const name = path.join('.');
    if (typeof value !== 'string') throw new VerifyError('CLAIM_INVALID', `token claim "${name}" must be a string`);
    if (value === '') continue;
    if (found && found.value !== value) throw new VerifyError('CLAIM_INVALID', `token claims "${found.name}" and "${name}" name different clients`);
    found ??= { value, name };
  }
  return found?.value;
}

/**
 * The principal's groups: the values of every configured claim, merged in order without
 * duplicates. A claim is an array of strings or a space-separated string (scope, scp); anything
 * else is refused.
 */
export function groupsOf(payload: JWTPayload, paths: readonly ClaimPath[]): readonly string[] {
  const groups = new Set<string>();
  for (const path of paths) {
    const value = claimAt(payload, path);
    if (value === undefined) continue;
    const name = path.join('.');
    if (typeof value === 'string') value.split(' ').forEach((g) => g !== '' && groups.add(g));
    else if (isStringArray(value)) value.forEach((g) => groups.add(g));
    else throw new VerifyError('CLAIM_INVALID', `token claim "${name}" must be an array of strings or a space-separated string`);
  }
  return Object.freeze([...groups]);
}

/** The value at a claim path, or undefined when any step is missing or not an object. */
export function claimAt(payload: JWTPayload, path: ClaimPath): unknown {
  let value: unknown = payload;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The `jti`, or "" when the token has none (it cannot then be revoked by id, only by subject or client). */
export function tokenIdOf(payload: JWTPayload): string {
  const { jti } = payload;
  if (jti === undefined) return '';
  if (typeof jti !== 'string' || jti.length > 512) throw new VerifyError('CLAIM_INVALID', 'token claim "jti" must be a string of at most 512 characters');
  return jti;
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
 * Machine or human, by the issuer's rule. `client-credentials` (the default): a machine when its
 * subject is the client it names, the shape of the client-credentials grant. Positive evidence
 * only: a token that names no client, or a claim that does not say so, is a person's.
 */
export function principalKind(payload: JWTPayload, rule: KindRule, subject: string, clientId: string | undefined): PrincipalKind {
  if (rule === 'machine' || rule === 'human') return rule;
  if (rule === 'client-credentials') return clientId !== undefined && clientId === subject ? 'machine' : 'human';
  return claimAt(payload, rule.claim) === rule.equals ? 'machine' : 'human';
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
