import { fail, ok, type Failure, type Result } from './failure.js';
import type { Hold } from './hold.js';

/** Holds per ListHolds page when the caller names no size, and the most it may ask for. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Subjects, client ids and connection names are far shorter; a longer filter matches nothing stored. */
const MAX_FILTER_LENGTH = 256;
/** A cancellation's reason is the gateway's refusal code and sentence. */
export const MAX_CANCEL_REASON_LENGTH = 500;

const TOKEN_PREFIX = 'h1.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTROL = /[\p{Cc}]/u;

/**
 * One ListHolds page, newest first: the holds of the caller's approver groups created before the
 * hold `after` (by created_at, then id), optionally only pending ones, of one requester (subject or
 * client id) or one connection.
 */
export interface HoldListQuery {
  readonly includeResolved: boolean;
  readonly pageSize: number;
  /** The last hold of the previous page; absent for the first page. */
  readonly after?: string;
  readonly requester?: string;
  readonly connection?: string;
}

export interface HoldPage {
  readonly holds: readonly Hold[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
  /** Holds matching the query on every page. */
  readonly totalSize: number;
}

/** What a ListHolds request asks for, checked: a page size within bounds, a token this service issued, sane filters. */
export function holdListQuery(request: { readonly includeResolved: boolean; readonly pageSize: number; readonly pageToken: string; readonly requester: string; readonly connection: string }): Result<HoldListQuery> {
  if (!Number.isInteger(request.pageSize) || request.pageSize < 0) return fail('INVALID_FILTER', 'page size must be a whole number');
  const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
  let after: string | undefined;
  if (request.pageToken !== '') {
    after = holdIdOfToken(request.pageToken);
    if (after === undefined) return fail('INVALID_PAGE_TOKEN', 'the page token was not issued by ListHolds (pass next_page_token unchanged)');
  }
  for (const [name, value] of [
    ['requester', request.requester],
    ['connection', request.connection],
  ] as const) {
    if (value.length > MAX_FILTER_LENGTH || CONTROL.test(value)) return fail('INVALID_FILTER', `${name} must be at most ${MAX_FILTER_LENGTH} characters without control characters`);
  }
  return ok({
    includeResolved: request.includeResolved,
    pageSize,
    ...(after !== undefined ? { after } : {}),
    ...(request.requester !== '' ? { requester: request.requester } : {}),
    ...(request.connection !== '' ? { connection: request.connection } : {}),
  });
}

/** The token that continues a listing after `lastHoldId`. Opaque to callers; only ListHolds reads it. */
export function pageTokenFor(lastHoldId: string): string {
  return Buffer.from(TOKEN_PREFIX + lastHoldId, 'utf8').toString('base64url');
}

function holdIdOfToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX)) return undefined;
  const id = text.slice(TOKEN_PREFIX.length);
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

/** A cancellation says why (the gateway's refusal), briefly. */
export function checkCancelReason(reason: string): Failure | undefined {
  if (reason.trim() === '') return { code: 'REASON_REQUIRED', message: 'a cancellation needs a reason' };
  if (reason.length > MAX_CANCEL_REASON_LENGTH) return { code: 'REASON_TOO_LONG', message: `a cancellation reason has at most ${MAX_CANCEL_REASON_LENGTH} characters` };
  return undefined;
}
