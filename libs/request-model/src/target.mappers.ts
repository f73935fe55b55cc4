import type { commonV1 } from '@portcullis/proto-gen';
import type { SqlParameter, Target } from './target.js';

/**
 * The `target` oneof as ts-proto generates it. RequestContext, RequestReceived and Hold each carry
 * the same oneof (same cases, same messages), so one pair of mappers serves all three.
 */
export type TargetOneof =
  | { $case: 'http'; value: commonV1.HttpTarget }
  | { $case: 'mcp'; value: commonV1.McpTarget }
  | { $case: 'sql'; value: commonV1.SqlTarget }
  | undefined;

export function targetToProto(target: Target): NonNullable<TargetOneof> {
  switch (target.kind) {
    case 'http':
      return { $case: 'http', value: { method: target.method, path: target.path, query: target.query, headers: target.headers.map((h) => ({ name: h.name, value: h.value })) } };
    case 'mcp':
      return { $case: 'mcp', value: { method: target.method, name: target.name, argumentsJson: target.argumentsJson } };
    case 'sql':
      return { $case: 'sql', value: { statement: target.statement, parameters: target.parameters.map(parameterToProto) } };
  }
}

/** Wire -> domain. Absent stays absent: callers decide what a request without a target means (deny). */
export function targetFromProto(oneof: TargetOneof): Target | undefined {
  switch (oneof?.$case) {
    case 'http':
      return { kind: 'http', method: oneof.value.method, path: oneof.value.path, query: oneof.value.query, headers: oneof.value.headers.map((h) => ({ name: h.name, value: h.value })) };
    case 'mcp':
      return { kind: 'mcp', method: oneof.value.method, name: oneof.value.name, argumentsJson: oneof.value.argumentsJson };
    case 'sql':
      return { kind: 'sql', statement: oneof.value.statement, parameters: oneof.value.parameters.map(parameterFromProto) };
    default:
      return undefined;
  }
}

function parameterToProto(parameter: SqlParameter): commonV1.SqlParameter {
  if (parameter === null) return { value: undefined };
  return 'text' in parameter ? { value: { $case: 'text', value: parameter.text } } : { value: { $case: 'binary', value: Buffer.from(parameter.binary) } };
}

function parameterFromProto(parameter: commonV1.SqlParameter): SqlParameter {
  switch (parameter.value?.$case) {
    case 'text':
      return { text: parameter.value.value };
    case 'binary':
      return { binary: parameter.value.value };
    default:
      return null;
  }
}
