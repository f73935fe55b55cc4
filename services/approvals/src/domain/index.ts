export type { Actor, Approval, Grant, Hold, HoldStatus, NewHold, Release, Requester, Resolution } from './hold.js';
export { HOLD_STATUSES } from './hold.js';
export { checkCancelReason, holdListQuery, pageTokenFor, MAX_CANCEL_REASON_LENGTH, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, type HoldListQuery, type HoldPage } from './hold-list.js';
export { fail, ok, type Failure, type FailureCode, type Result } from './failure.js';
export {
  sameRequest,
  checkNewHold,
  checkResolution,
  distinctApprovers,
  isApprover,
  isHoldId,
  quorumReached,
  sameIdentity,
  MAX_DENY_REASON_LENGTH,
  MAX_GRANT_MS,
  MAX_MIN_APPROVALS,
  MAX_TIMEOUT_MS,
} from './hold-rules.js';
export { checkRevocation, grantable, grantCovers, isGrantId, isLive } from './grant-rules.js';
