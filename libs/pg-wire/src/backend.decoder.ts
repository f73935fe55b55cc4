import type { Authentication, BackendMessage, BackendMessageOf, BackendMessageType, RowField } from './backend.types.js';
import type { Frame } from './message-reader.js';
import { PayloadCursor } from './payload-cursor.js';
import { malformed } from './pg-wire-error.js';
import {
  AUTHENTICATION_METHODS,
  BACKEND_TYPE_BYTES,
  byByte,
  describeByte,
  MAX_SECRET_KEY_BYTES,
  MIN_SECRET_KEY_BYTES,
  TRANSACTION_STATUSES,
} from './protocol.js';

type Decoders = { readonly [T in BackendMessageType]: (cursor: PayloadCursor) => BackendMessageOf<T> };

/** The smallest RowDescription field: an empty name's NUL and 18 bytes of numbers. */
const MIN_ROW_FIELD_BYTES = 19;

/** One decoder per backend message; each reads the whole payload or fails. */
const DECODERS: Decoders = {
  Authentication: authentication,
  ParameterStatus: (c) => ({ type: 'ParameterStatus', name: c.cstring('name'), value: c.cstring('value') }),
  BackendKeyData: (c) => {
    const processId = c.int32('process id');
    const length = c.remaining;
    if (length < MIN_SECRET_KEY_BYTES || length > MAX_SECRET_KEY_BYTES) c.fail(`secret key of ${length} bytes (${MIN_SECRET_KEY_BYTES}..${MAX_SECRET_KEY_BYTES})`);
    return { type: 'BackendKeyData', processId, secretKey: c.rest() };
  },
  ReadyForQuery: (c) => ({ type: 'ReadyForQuery', status: c.letter(TRANSACTION_STATUSES, 'transaction status') }),
  RowDescription: (c) => {
    const count = c.count('field count', MIN_ROW_FIELD_BYTES);
    const fields: RowField[] = [];
    for (let i = 0; i < count; i++) fields.push(rowField(c, i));
    return { type: 'RowDescription', fields };
  },
  DataRow: (c) => ({ type: 'DataRow', values: c.values('column') }),
  CommandComplete: (c) => ({ type: 'CommandComplete', tag: c.cstring('command tag') }),
  ErrorResponse: (c) => ({ type: 'ErrorResponse', fields: noticeFieldMap(c) }),
  NoticeResponse: (c) => ({ type: 'NoticeResponse', fields: noticeFieldMap(c) }),
  CopyInResponse: (c) => ({ type: 'CopyInResponse', ...copyResponse(c) }),
  CopyOutResponse: (c) => ({ type: 'CopyOutResponse', ...copyResponse(c) }),
  CopyBothResponse: (c) => ({ type: 'CopyBothResponse', ...copyResponse(c) }),
  CopyData: (c) => ({ type: 'CopyData', data: c.rest() }),
  CopyDone: () => ({ type: 'CopyDone' }),
  ParameterDescription: (c) => {
    const count = c.count('parameter count', 4);
    const typeOids: number[] = [];
    for (let i = 0; i < count; i++) typeOids.push(c.uint32(`parameter type ${i}`));
    return { type: 'ParameterDescription', typeOids };
  },
  NoData: () => ({ type: 'NoData' }),
  ParseComplete: () => ({ type: 'ParseComplete' }),
  BindComplete: () => ({ type: 'BindComplete' }),
  CloseComplete: () => ({ type: 'CloseComplete' }),
  PortalSuspended: () => ({ type: 'PortalSuspended' }),
  EmptyQueryResponse: () => ({ type: 'EmptyQueryResponse' }),
  NotificationResponse: (c) => ({ type: 'NotificationResponse', processId: c.int32('process id'), channel: c.cstring('channel'), payload: c.cstring('payload') }),
  NegotiateProtocolVersion: (c) => {
    const newestMinor = c.int32('newest minor version');
    if (newestMinor < 0) c.fail(`newest minor version ${newestMinor} is negative`);
    const count = c.int32('unrecognized option count');
    if (count < 0 || count > c.remaining) c.fail(`unrecognized option count ${count} does not fit the message`);
    const unrecognized: string[] = [];
    for (let i = 0; i < count; i++) unrecognized.push(c.cstring(`unrecognized option ${i}`));
    return { type: 'NegotiateProtocolVersion', newestMinor, unrecognized };
  },
  FunctionCallResponse: (c) => ({ type: 'FunctionCallResponse', value: c.value('result') }),
};

const BY_BYTE = byByte(BACKEND_TYPE_BYTES);

/** Decodes a typed frame from a server. Unknown type bytes, short or long payloads are MALFORMED. */
export function decodeBackend(frame: Frame): BackendMessage {
  const type = BY_BYTE.get(frame.type);
  if (type === undefined) return malformed(`unknown backend message type ${describeByte(frame.type)}`);
  const cursor = new PayloadCursor(frame.payload, type);
  const message = DECODERS[type](cursor);
  cursor.end();
  return message;
}

/** The values of a DataRow payload as subarrays of it (NULL as null), without decoding the rest of the message. */
export function dataRowValues(payload: Buffer): (Buffer | null)[] {
  const cursor = new PayloadCursor(payload, 'DataRow');
  const values = cursor.values('column');
  cursor.end();
  return values;
}

const AUTHENTICATION_KINDS = new Map(Object.entries(AUTHENTICATION_METHODS).map(([kind, method]) => [method as number, kind as keyof typeof AUTHENTICATION_METHODS]));

function authentication(c: PayloadCursor): Authentication {
  const method = c.int32('method');
  const kind = AUTHENTICATION_KINDS.get(method);
  switch (kind) {
    case 'ok':
    case 'cleartextPassword':
      return { type: 'Authentication', kind };
    case 'md5Password':
      return { type: 'Authentication', kind, salt: c.bytes(4, 'salt') };
    case 'sasl':
      return { type: 'Authentication', kind, mechanisms: saslMechanisms(c) };
    case 'saslContinue':
    case 'saslFinal':
      return { type: 'Authentication', kind, data: c.rest() };
    case undefined:
      return { type: 'Authentication', kind: 'authentication', method, data: c.rest() };
  }
}

/** Mechanism names, ended by an empty one; a server offering none has nothing to offer. */
function saslMechanisms(c: PayloadCursor): string[] {
  const mechanisms: string[] = [];
  for (;;) {
    const name = c.cstring(`SASL mechanism ${mechanisms.length}`);
    if (name === '') break;
    mechanisms.push(name);
  }
  if (mechanisms.length === 0) c.fail('no SASL mechanism offered');
  return mechanisms;
}

function rowField(c: PayloadCursor, index: number): RowField {
  const at = `field ${index}`;
  return {
    name: c.cstring(`${at} name`),
    tableOid: c.uint32(`${at} table oid`),
    columnAttr: c.int16(`${at} column number`),
    typeOid: c.uint32(`${at} type oid`),
    typeSize: c.int16(`${at} type size`),
    typeModifier: c.int32(`${at} type modifier`),
    format: c.format(`${at} format`),
  };
}

/** (code byte, string) pairs ended by a zero byte; a code may appear once. */
function noticeFieldMap(c: PayloadCursor): Map<string, string> {
  const fields = new Map<string, string>();
  for (;;) {
    const code = c.byte('field code');
    if (code === 0) break;
    const key = String.fromCharCode(code);
    if (fields.has(key)) c.fail(`field ${describeByte(code)} appears twice`);
    fields.set(key, c.cstring(`field ${describeByte(code)}`));
  }
  return fields;
}

function copyResponse(c: PayloadCursor): { format: 0 | 1; columnFormats: (0 | 1)[] } {
  const format = c.byte('copy format');
  if (format !== 0 && format !== 1) c.fail(`copy format ${format} is not 0 (text) or 1 (binary)`);
  const columnFormats = c.formats('column format');
  if (format === 0 && columnFormats.some((f) => f !== 0)) c.fail('a textual copy with a binary column');
  return { format, columnFormats };
}
