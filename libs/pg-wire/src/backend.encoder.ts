import type { RowField, TransactionStatus } from './backend.types.js';
import { buildMessage, checkSecretKey, emptyMessage, type MessageOut, typeByte, typeBytes } from './message-builder.js';
import {
  ERROR_SEVERITIES,
  type ErrorSeverity,
  isErrorSeverity,
  isNoticeSeverity,
  NOTICE_SEVERITIES,
  type NoticeInput,
  type NoticeSeverity,
  OPTIONAL_NOTICE_FIELDS,
  type OptionalNoticeField,
  REQUIRED_NOTICE_FIELDS,
} from './notice-fields.js';
import type { Format } from './payload-cursor.js';
import { unexpected } from './pg-wire-error.js';
import { AUTHENTICATION_METHODS, BACKEND_TYPE_BYTES, TRANSACTION_STATUSES } from './protocol.js';

// Messages we send to a client when we act as its server.

const T = typeBytes(BACKEND_TYPE_BYTES);

function authentication(method: number, body?: (out: MessageOut) => void): Buffer {
  return buildMessage(T.Authentication, 'Authentication', (out) => {
    out.int32(method, 'method');
    body?.(out);
  });
}

export function authenticationOk(): Buffer {
  return authentication(AUTHENTICATION_METHODS.ok);
}

export function authenticationCleartextPassword(): Buffer {
  return authentication(AUTHENTICATION_METHODS.cleartextPassword);
}

export function authenticationMd5Password(salt: Buffer): Buffer {
  if (!Buffer.isBuffer(salt) || salt.length !== 4) unexpected('AuthenticationMD5Password: the salt must be 4 bytes');
  return authentication(AUTHENTICATION_METHODS.md5Password, (out) => out.bytes(salt, 'salt'));
}

export function authenticationSasl(mechanisms: readonly string[]): Buffer {
  if (mechanisms.length === 0) unexpected('AuthenticationSASL: at least one mechanism');
  return authentication(AUTHENTICATION_METHODS.sasl, (out) => {
    mechanisms.forEach((m, i) => {
      if (m === '') unexpected(`AuthenticationSASL: mechanism ${i} is empty`);
      out.cstring(m, `mechanism ${i}`);
    });
    out.int8(0, 'terminator');
  });
}

export function authenticationSaslContinue(data: Buffer): Buffer {
  return authentication(AUTHENTICATION_METHODS.saslContinue, (out) => out.bytes(data, 'data'));
}

export function authenticationSaslFinal(data: Buffer): Buffer {
  return authentication(AUTHENTICATION_METHODS.saslFinal, (out) => out.bytes(data, 'data'));
}

export function parameterStatus(name: string, value: string): Buffer {
  return buildMessage(T.ParameterStatus, 'ParameterStatus', (out) => {
    out.cstring(name, 'name');
    out.cstring(value, 'value');
  });
}

export function backendKeyData(processId: number, secretKey: Buffer): Buffer {
  checkSecretKey(secretKey, 'BackendKeyData');
  return buildMessage(T.BackendKeyData, 'BackendKeyData', (out) => {
    out.int32(processId, 'process id');
    out.bytes(secretKey, 'secret key');
  });
}

export function readyForQuery(status: TransactionStatus): Buffer {
  if (!TRANSACTION_STATUSES.includes(status)) unexpected(`ReadyForQuery: status must be one of ${TRANSACTION_STATUSES.join(', ')}`);
  return buildMessage(T.ReadyForQuery, 'ReadyForQuery', (out) => out.int8(typeByte(status), 'status'));
}

/** An ErrorResponse; the severity is written both localized ('S') and not ('V'), as PostgreSQL does. To relay a server's, narrow noticeFields()'s severity with isErrorSeverity. */
export function errorResponse(fields: NoticeInput<ErrorSeverity>): Buffer {
  if (!isErrorSeverity(fields.severity)) unexpected(`ErrorResponse: severity must be one of ${ERROR_SEVERITIES.join(', ')}`);
  return notice(T.ErrorResponse, 'ErrorResponse', fields);
}

export function noticeResponse(fields: NoticeInput<NoticeSeverity>): Buffer {
  if (!isNoticeSeverity(fields.severity)) unexpected(`NoticeResponse: severity must be one of ${NOTICE_SEVERITIES.join(', ')}`);
  return notice(T.NoticeResponse, 'NoticeResponse', fields);
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

function notice(type: number, what: string, fields: NoticeInput<string>): Buffer {
  if (!SQLSTATE.test(fields.code)) unexpected(`${what}: code must be a SQLSTATE (five digits or capital letters)`);
  return buildMessage(type, what, (out) => {
    const field = (letter: string, value: string, name: string) => {
      out.int8(typeByte(letter), `${name} code`);
      out.cstring(value, name);
    };
    field(REQUIRED_NOTICE_FIELDS.localizedSeverity, fields.localizedSeverity ?? fields.severity, 'localized severity');
    field(REQUIRED_NOTICE_FIELDS.severity, fields.severity, 'severity');
    field(REQUIRED_NOTICE_FIELDS.code, fields.code, 'code');
    field(REQUIRED_NOTICE_FIELDS.message, fields.message, 'message');
    for (const [name, letter] of Object.entries(OPTIONAL_NOTICE_FIELDS) as [OptionalNoticeField, string][]) {
      const value = fields[name];
      if (value !== undefined) field(letter, value, name);
    }
    out.int8(0, 'terminator');
  });
}

export function commandComplete(tag: string): Buffer {
  return buildMessage(T.CommandComplete, 'CommandComplete', (out) => out.cstring(tag, 'command tag'));
}

export function dataRow(values: readonly (Buffer | null)[]): Buffer {
  return buildMessage(T.DataRow, 'DataRow', (out) => {
    out.count(values.length, 'columns');
    values.forEach((v, i) => out.value(v, `column ${i}`));
  });
}

/** A column to describe: name and type are needed; the rest default to a computed text column of variable width. */
export type RowFieldInput = Pick<RowField, 'name' | 'typeOid'> & Partial<RowField>;

export function rowDescription(fields: readonly RowFieldInput[]): Buffer {
  return buildMessage(T.RowDescription, 'RowDescription', (out) => {
    out.count(fields.length, 'fields');
    fields.forEach((f, i) => {
      const at = `field ${i}`;
      out.cstring(f.name, `${at} name`);
      out.uint32(f.tableOid ?? 0, `${at} table oid`);
      out.int16(f.columnAttr ?? 0, `${at} column number`);
      out.uint32(f.typeOid, `${at} type oid`);
      out.int16(f.typeSize ?? -1, `${at} type size`);
      out.int32(f.typeModifier ?? -1, `${at} type modifier`);
      format(out, f.format ?? 0, `${at} format`);
    });
  });
}

export function parameterDescription(typeOids: readonly number[]): Buffer {
  return buildMessage(T.ParameterDescription, 'ParameterDescription', (out) => {
    out.count(typeOids.length, 'parameters');
    typeOids.forEach((oid, i) => out.uint32(oid, `parameter type ${i}`));
  });
}

export function copyInResponse(format: Format, columnFormats: readonly Format[]): Buffer {
  return copyResponse(T.CopyInResponse, 'CopyInResponse', format, columnFormats);
}

export function copyOutResponse(format: Format, columnFormats: readonly Format[]): Buffer {
  return copyResponse(T.CopyOutResponse, 'CopyOutResponse', format, columnFormats);
}

function copyResponse(type: number, what: string, overall: Format, columnFormats: readonly Format[]): Buffer {
  if (overall === 0 && columnFormats.some((f) => f !== 0)) unexpected(`${what}: a textual copy has only text columns`);
  return buildMessage(type, what, (out) => {
    format(out, overall, 'copy format', true);
    out.count(columnFormats.length, 'columns');
    columnFormats.forEach((f, i) => format(out, f, `column format ${i}`));
  });
}

export function notificationResponse(processId: number, channel: string, payload: string): Buffer {
  return buildMessage(T.NotificationResponse, 'NotificationResponse', (out) => {
    out.int32(processId, 'process id');
    out.cstring(channel, 'channel');
    out.cstring(payload, 'payload');
  });
}

/** Tells a client asking for a newer minor version, or for `_pq_.` options, what this server speaks. */
export function negotiateProtocolVersion(newestMinor: number, unrecognized: readonly string[]): Buffer {
  if (newestMinor < 0) unexpected('NegotiateProtocolVersion: the minor version is negative');
  return buildMessage(T.NegotiateProtocolVersion, 'NegotiateProtocolVersion', (out) => {
    out.int32(newestMinor, 'newest minor version');
    out.int32(unrecognized.length, 'unrecognized options');
    unrecognized.forEach((o, i) => out.cstring(o, `unrecognized option ${i}`));
  });
}

export const emptyQueryResponse = emptyMessage(T.EmptyQueryResponse, 'EmptyQueryResponse');
export const noData = emptyMessage(T.NoData, 'NoData');
export const parseComplete = emptyMessage(T.ParseComplete, 'ParseComplete');
export const bindComplete = emptyMessage(T.BindComplete, 'BindComplete');
export const closeComplete = emptyMessage(T.CloseComplete, 'CloseComplete');
export const portalSuspended = emptyMessage(T.PortalSuspended, 'PortalSuspended');

/** The single unframed byte that answers an SSLRequest or GSSENCRequest: 'S' to go on with TLS, 'N' to go on in the clear. */
export function sslResponse(accept: boolean): Buffer {
  return Buffer.from(accept ? 'S' : 'N', 'latin1');
}

/** A format code; in copy responses the overall format is one byte, elsewhere two. */
function format(out: MessageOut, value: Format, field: string, oneByte = false): void {
  if (value !== 0 && value !== 1) unexpected(`${field} must be 0 (text) or 1 (binary)`);
  if (oneByte) out.int8(value, field);
  else out.int16(value, field);
}
