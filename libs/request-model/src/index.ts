export { PROTOCOLS, mcpTarget, targetDigest, sameTarget, describeTarget, type Protocol, type Target, type HttpTarget, type HttpHeader, type McpTarget, type SqlTarget, type SqlParameter } from './target.js';
export { targetToProto, targetFromProto, type TargetOneof } from './target.mappers.js';
export { canonicalJson, jsonDigest } from './canonical-json.js';
export { sha256Hex } from './digest.js';
