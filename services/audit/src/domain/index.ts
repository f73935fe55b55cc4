export {
  CHAIN_VERSION,
  GENESIS_HASH,
  EMPTY_CHAIN,
  canonicalForm,
  chainHash,
  appendToChain,
  verifyChain,
  type EventFields,
  type ChainedFields,
  type StoredRecord,
  type ChainHead,
  type AppendPlan,
  type ChainLink,
  type ChainVerdict,
} from './hash-chain.js';
export { isAuditReader } from './reader-access.js';
export { requestIdProblem, MAX_REQUEST_ID_LENGTH } from './request-id.js';
export { canonicalJson, jsonDigest, sha256Hex } from '@portcullis/request-model';
export { RetentionPlan, lagging, type AuditLag } from './retention.js';
export { renameCollisions, type IdentifiedEntry } from './collisions.js';
