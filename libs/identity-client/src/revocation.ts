import { identityV1 } from '@portcullis/proto-gen';
import type { Principal } from './identity-client.js';

/** What a revocation matches: the one list (CLI flags, gRPC, events, storage). */
export const REVOCATION_KINDS = ['subject', 'client_id', 'token_id'] as const;
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

export interface RevocationSelector {
  readonly kind: RevocationKind;
  readonly value: string;
  /** Only principals of this issuer; undefined matches every issuer. */
  readonly issuer?: string;
}

export interface Revocation {
  readonly selector: RevocationSelector;
  readonly reason: string;
  /** The admin who revoked, `<issuer> <subject>`. */
  readonly revokedBy: string;
  readonly revokedAt: Date;
  /** When it stops mattering; undefined: until unrevoked. */
  readonly expiresAt?: Date;
}

/** Longest selector value and reason accepted (they are stored, logged and shown). */
export const MAX_SELECTOR_VALUE = 512;
export const MAX_REVOCATION_REASON = 500;

/** Whether a revocation selector covers a principal. Exact, case-sensitive comparisons only. */
export function revocationMatches(selector: RevocationSelector, principal: Principal): boolean {
  if (selector.issuer !== undefined && selector.issuer !== principal.issuer) return false;
  switch (selector.kind) {
    case 'subject':
      return principal.subject === selector.value;
    case 'client_id':
      return principal.clientId === selector.value;
    case 'token_id':
      return principal.tokenId !== '' && principal.tokenId === selector.value;
  }
}

/** A selector as one line for logs and messages, e.g. `client_id "demo-agent"`. */
export function describeSelector(selector: RevocationSelector): string {
  return `${selector.kind} ${JSON.stringify(selector.value)}${selector.issuer === undefined ? '' : ` of ${JSON.stringify(selector.issuer)}`}`;
}

/** Selectors are equal when they revoke the same principals. */
export function selectorKey(selector: RevocationSelector): string {
  return JSON.stringify([selector.kind, selector.value, selector.issuer ?? '']);
}

const KIND_TO_PROTO: Record<RevocationKind, identityV1.RevocationKind> = {
  subject: identityV1.RevocationKind.REVOCATION_KIND_SUBJECT,
  client_id: identityV1.RevocationKind.REVOCATION_KIND_CLIENT_ID,
  token_id: identityV1.RevocationKind.REVOCATION_KIND_TOKEN_ID,
};

export function selectorToProto(selector: RevocationSelector): identityV1.RevocationSelector {
  return { kind: KIND_TO_PROTO[selector.kind], value: selector.value, issuer: selector.issuer ?? '' };
}

/** Wire -> domain; undefined (the caller refuses it) for a kind this build does not know, an empty or oversized value. */
export function selectorFromProto(selector: identityV1.RevocationSelector | undefined): RevocationSelector | undefined {
  if (!selector) return undefined;
  const kind = REVOCATION_KINDS.find((k) => KIND_TO_PROTO[k] === selector.kind);
  if (!kind || selector.value === '' || selector.value.length > MAX_SELECTOR_VALUE || selector.issuer.length > 1024) return undefined;
  return selector.issuer === '' ? { kind, value: selector.value } : { kind, value: selector.value, issuer: selector.issuer };
}

export function revocationToProto(revocation: Revocation): identityV1.Revocation {
  return {
    selector: selectorToProto(revocation.selector),
    reason: revocation.reason,
    revokedBy: revocation.revokedBy,
    revokedAt: revocation.revokedAt,
    expiresAt: revocation.expiresAt,
  };
}

export function revocationFromProto(revocation: identityV1.Revocation): Revocation | undefined {
  const selector = selectorFromProto(revocation.selector);
  if (!selector) return undefined;
  return {
    selector,
    reason: revocation.reason,
    revokedBy: revocation.revokedBy,
    revokedAt: revocation.revokedAt ?? new Date(0),
    ...(revocation.expiresAt ? { expiresAt: revocation.expiresAt } : {}),
  };
}
