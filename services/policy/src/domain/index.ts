export { ActivePolicy, type LoadedPolicy } from './active-policy.js';
export { isPolicyAdmin } from './admin-access.js';
export {
  CONFIG_DOCUMENT,
  MAX_DOCUMENT_BYTES,
  documentDigest,
  documentNameProblem,
  isPolicyTestName,
  planChanges,
  setDigest,
  sourcesOf,
  type DocumentChange,
  type DocumentFormat,
  type Edit,
  type Plan,
  type PolicyDocument,
  type Revision,
} from './documents.js';
export { fail, ok, type Failure, type FailureCode, type Result } from './failure.js';
