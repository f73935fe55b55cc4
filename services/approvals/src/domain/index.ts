export type { Actor, Hold, HoldStatus, NewHold, Requester, Resolution } from './hold.js';
export { fail, ok, type Failure, type FailureCode, type Result } from './failure.js';
export { sameRequest, checkNewHold, checkResolution, isApprover, isHoldId, MAX_DENY_REASON_LENGTH, MAX_TIMEOUT_MS } from './hold-rules.js';
