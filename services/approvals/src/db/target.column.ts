import { targetDigest, type HttpHeader, type SqlParameter, type Target } from '@portcullis/request-model';

// The `target` column holds the domain Target as JSON, field for field, except that a binary SQL
// parameter (bytes JSON cannot carry) is written as {"base64": "..."}. Fields are copied one by
// one in both directions, so nothing the domain does not know is stored or read back. HTTP targets
// written before queries and headers were held have neither: they read as "" and [], which keeps
// the digest they were written with (see targetDigest).

type ColumnParameter = { text: string } | { base64: string } | null;

export function targetToColumn(target: Target): string {
  switch (target.kind) {
    case 'http':
      return JSON.stringify({ kind: 'http', method: target.method, path: target.path, query: target.query, headers: target.headers.map((h) => ({ name: h.name, value: h.value })) });
    case 'mcp':
      return JSON.stringify({ kind: 'mcp', method: target.method, name: target.name, argumentsJson: target.argumentsJson });
    case 'sql':
      return JSON.stringify({ kind: 'sql', statement: target.statement, parameters: target.parameters.map(parameterToColumn) });
  }
}

function parameterToColumn(parameter: SqlParameter): ColumnParameter {
  if (parameter === null) return null;
  return 'text' in parameter ? { text: parameter.text } : { base64: Buffer.from(parameter.binary).toString('base64') };
}

/**
 * A stored target, after checking it is well-formed and still has the digest it was written with.
 * `owner` names the row in the error ("hold <id>"): a row whose target cannot be read is an error,
 * never a hold (or grant) without a target.
 */
export function targetFromColumns(owner: string, column: unknown, digest: string): Target {
  const target = readTarget(column);
  if (!target) throw new Error(`${owner}: unreadable target`);
  if (targetDigest(target) !== digest) throw new Error(`${owner}: target does not match its digest`);
  return target;
}

function readTarget(value: unknown): Target | undefined {
  if (!isRecord(value)) return undefined;
  const { kind } = value;
  if (kind === 'http') {
    const [method, path] = [text(value, 'method'), text(value, 'path')];
    const query = 'query' in value ? text(value, 'query') : '';
    const headers = 'headers' in value ? readHeaders(value.headers) : [];
    return method !== undefined && path !== undefined && query !== undefined && headers !== undefined ? { kind, method, path, query, headers } : undefined;
  }
  if (kind === 'mcp') {
    const [method, name, argumentsJson] = [text(value, 'method'), text(value, 'name'), text(value, 'argumentsJson')];
    return method !== undefined && name !== undefined && argumentsJson !== undefined ? { kind, method, name, argumentsJson } : undefined;
  }
  if (kind === 'sql') {
    const statement = text(value, 'statement');
    const { parameters } = value;
    if (statement === undefined || !Array.isArray(parameters)) return undefined;
    const read = parameters.map(readParameter);
    return read.every((p): p is SqlParameter => p !== undefined) ? { kind, statement, parameters: read } : undefined;
  }
  return undefined;
}

function readHeaders(value: unknown): HttpHeader[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const headers = value.map((h: unknown) => {
    if (!isRecord(h)) return undefined;
    const [name, content] = [text(h, 'name'), text(h, 'value')];
    return name !== undefined && content !== undefined ? { name, value: content } : undefined;
  });
  return headers.every((h): h is HttpHeader => h !== undefined) ? headers : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function readParameter(value: unknown): SqlParameter | undefined {
  if (value === null) return null;
  if (!isRecord(value)) return undefined;
  const plain = text(value, 'text');
  if (plain !== undefined) return { text: plain };
  const base64 = text(value, 'base64');
  return base64 !== undefined && BASE64.test(base64) ? { binary: Buffer.from(base64, 'base64') } : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}
