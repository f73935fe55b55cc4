import type { Format, Target } from './frontend.types.js';
import { buildMessage, checkSecretKey, emptyMessage, type MessageOut, typeByte, typeBytes } from './message-builder.js';
import { unexpected } from './pg-wire-error.js';
import { CANCEL_REQUEST_CODE, FRONTEND_TYPE_BYTES, GSSENC_REQUEST_CODE, PROTOCOL_3_0, SSL_REQUEST_CODE, TARGETS } from './protocol.js';

// Messages we send to a database when we act as its client.

const T = typeBytes(FRONTEND_TYPE_BYTES);

/** A StartupMessage for protocol 3.`minor`; parameters are written in their iteration order. */
export function startupMessage(parameters: Readonly<Record<string, string>> | ReadonlyMap<string, string>, minor = 0): Buffer {
  const entries = parameters instanceof Map ? [...parameters.entries()] : Object.entries(parameters);
  if (!Number.isInteger(minor) || minor < 0 || minor > 0xffff) unexpected('StartupMessage: the minor version must be in 0..65535');
  return buildMessage(0, 'StartupMessage', (out) => {
    out.uint32(PROTOCOL_3_0 + minor, 'protocol version');
    entries.forEach(([name, value], i) => {
      if (name === '') unexpected(`StartupMessage: parameter ${i} has an empty name`);
      out.cstring(name, `parameter ${i} name`);
      out.cstring(value, `parameter ${i} value`);
    });
    out.int8(0, 'terminator');
  });
}

export function sslRequest(): Buffer {
  return buildMessage(0, 'SSLRequest', (out) => out.uint32(SSL_REQUEST_CODE, 'request code'));
}

export function gssencRequest(): Buffer {
  return buildMessage(0, 'GSSENCRequest', (out) => out.uint32(GSSENC_REQUEST_CODE, 'request code'));
}

export function cancelRequest(processId: number, secretKey: Buffer): Buffer {
  checkSecretKey(secretKey, 'CancelRequest');
  return buildMessage(0, 'CancelRequest', (out) => {
    out.uint32(CANCEL_REQUEST_CODE, 'request code');
    out.int32(processId, 'process id');
    out.bytes(secretKey, 'secret key');
  });
}

/** A PasswordMessage: the cleartext password or the answer of `md5PasswordMessage`. */
export function passwordMessage(text: string): Buffer {
  return buildMessage(T.Password, 'PasswordMessage', (out) => out.cstring(text, 'password'));
}

export function saslInitialResponse(mechanism: string, data: Buffer): Buffer {
  return buildMessage(T.Password, 'SASLInitialResponse', (out) => {
    out.cstring(mechanism, 'mechanism');
    out.value(data, 'initial response');
  });
}

export function saslResponse(data: Buffer): Buffer {
  return buildMessage(T.Password, 'SASLResponse', (out) => out.bytes(data, 'data'));
}

export function query(sql: string): Buffer {
  return buildMessage(T.Query, 'Query', (out) => out.cstring(sql, 'query string'));
}

/** A Parse; a parameter type of 0 leaves the type to the server. */
export function parse(name: string, sql: string, parameterTypes: readonly number[] = []): Buffer {
  return buildMessage(T.Parse, 'Parse', (out) => {
    out.cstring(name, 'statement name');
    out.cstring(sql, 'query string');
    out.count(parameterTypes.length, 'parameter types');
    parameterTypes.forEach((oid, i) => out.uint32(oid, `parameter type ${i}`));
  });
}

/** A Bind; `parameterFormats` has no entry (all text), one (for all) or one per parameter. */
export function bind(
  portal: string,
  statement: string,
  parameterFormats: readonly Format[],
  parameters: readonly (Buffer | null)[],
  resultFormats: readonly Format[],
): Buffer {
  if (parameterFormats.length > 1 && parameterFormats.length !== parameters.length) {
    unexpected(`Bind: ${parameterFormats.length} parameter formats for ${parameters.length} parameters`);
  }
  return buildMessage(T.Bind, 'Bind', (out) => {
    out.cstring(portal, 'portal name');
    out.cstring(statement, 'statement name');
    formats(out, parameterFormats, 'parameter format');
    out.count(parameters.length, 'parameters');
    parameters.forEach((p, i) => out.value(p, `parameter ${i}`));
    formats(out, resultFormats, 'result format');
  });
}

export function describe(target: Target, name: string): Buffer {
  return targeted(T.Describe, 'Describe', target, name);
}

export function close(target: Target, name: string): Buffer {
  return targeted(T.Close, 'Close', target, name);
}

/** An Execute; a `maxRows` of 0 fetches all rows. */
export function execute(portal: string, maxRows = 0): Buffer {
  return buildMessage(T.Execute, 'Execute', (out) => {
    out.cstring(portal, 'portal name');
    out.uint32(maxRows, 'row limit');
  });
}

export function copyFail(message: string): Buffer {
  return buildMessage(T.CopyFail, 'CopyFail', (out) => out.cstring(message, 'error message'));
}

/** CopyData: the same bytes in both directions. */
export function copyData(data: Buffer): Buffer {
  return buildMessage(T.CopyData, 'CopyData', (out) => out.bytes(data, 'data'));
}

export const sync = emptyMessage(T.Sync, 'Sync');
export const flush = emptyMessage(T.Flush, 'Flush');
export const terminate = emptyMessage(T.Terminate, 'Terminate');
/** CopyDone: the same bytes in both directions. */
export const copyDone = emptyMessage(T.CopyDone, 'CopyDone');

function targeted(type: number, what: string, target: Target, name: string): Buffer {
  if (!TARGETS.includes(target)) unexpected(`${what}: target must be one of ${TARGETS.join(', ')}`);
  return buildMessage(type, what, (out) => {
    out.int8(typeByte(target), 'target');
    out.cstring(name, 'name');
  });
}

function formats(out: MessageOut, values: readonly Format[], field: string): void {
  out.count(values.length, `${field}s`);
  values.forEach((f, i) => {
    if (f !== 0 && f !== 1) unexpected(`${field} ${i} must be 0 (text) or 1 (binary)`);
    out.int16(f, `${field} ${i}`);
  });
}
