export type { Actor, Approval, Grant, Hold, HoldStatus, NewHold, Release, Requester, Resolution } from './hold.js';
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
