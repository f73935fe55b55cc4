// The one public entry of the generated contracts. Each proto package is exported as a namespace so
// that message names (e.g. `GetHoldRequest`) never collide across domains.
export * as commonV1 from './gen/portcullis/common/v1/common.js';
export * as identityV1 from './gen/portcullis/identity/v1/identity.js';
export * as policyV1 from './gen/portcullis/policy/v1/policy.js';
export * as approvalsV1 from './gen/portcullis/approvals/v1/approvals.js';
export * as maskingV1 from './gen/portcullis/masking/v1/masking.js';
export * as auditV1 from './gen/portcullis/audit/v1/audit.js';
export * as eventsV1 from './gen/portcullis/events/v1/events.js';
export { Timestamp } from './gen/google/protobuf/timestamp.js';
export { Duration } from './gen/google/protobuf/duration.js';
