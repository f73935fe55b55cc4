/** Protocol version 3.0 as sent in a StartupMessage (major 3 in the high 16 bits, minor 0). */
export const PROTOCOL_3_0 = 196608;
/** The request codes that take the place of a protocol version in untyped startup-phase messages. */
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/**
 * PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH); so do we, whatever
 * the reader's own limit, because a peer that is not yet authenticated should not make us buffer more.
 */
export const MAX_STARTUP_BYTES = 10_000;

/** A cancel key is 4 bytes in protocol 3.0 and 4..256 bytes from 3.2 on. */
export const MIN_SECRET_KEY_BYTES = 4;
export const MAX_SECRET_KEY_BYTES = 256;

/** ReadyForQuery's transaction status: idle, in a transaction block, in a failed transaction block. */
export const TRANSACTION_STATUSES = ['I', 'T', 'E'] as const;
/** What Describe and Close name: a prepared statement or a portal. */
export const TARGETS = ['S', 'P'] as const;

/** Authentication request codes with a decoded form of their own; the others decode as kind 'authentication'. */
export const AUTHENTICATION_METHODS = {
  ok: 0,
  cleartextPassword: 3,
  md5Password: 5,
  sasl: 10,
  saslContinue: 11,
  saslFinal: 12,
} as const;

/** Counts on the wire are 16-bit (PostgreSQL reads them unsigned). */
export const MAX_COUNT = 0xffff;

/** Message type bytes, one table per direction; the decoders' and encoders' tables are keyed by these names. */
export const FRONTEND_TYPE_BYTES = {
  Query: 'Q',
  Parse: 'P',
  Bind: 'B',
  Describe: 'D',
  Execute: 'E',
  Sync: 'S',
  Flush: 'H',
  Close: 'C',
  CopyData: 'd',
  CopyDone: 'c',
  CopyFail: 'f',
  Terminate: 'X',
  Password: 'p',
  FunctionCall: 'F',
} as const;

export const BACKEND_TYPE_BYTES = {
  Authentication: 'R',
  ParameterStatus: 'S',
  BackendKeyData: 'K',
  ReadyForQuery: 'Z',
  RowDescription: 'T',
  DataRow: 'D',
  CommandComplete: 'C',
  ErrorResponse: 'E',
  NoticeResponse: 'N',
  CopyInResponse: 'G',
  CopyOutResponse: 'H',
  CopyBothResponse: 'W',
  CopyData: 'd',
  CopyDone: 'c',
  ParameterDescription: 't',
  NoData: 'n',
  ParseComplete: '1',
  BindComplete: '2',
  CloseComplete: '3',
  PortalSuspended: 's',
  EmptyQueryResponse: 'I',
  NotificationResponse: 'A',
  NegotiateProtocolVersion: 'v',
  FunctionCallResponse: 'V',
} as const;

/** Names a type byte in a message without quoting anything unprintable. */
export function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return byte >= 0x21 && byte <= 0x7e ? `'${String.fromCharCode(byte)}' (${hex})` : hex;
}

/** The reverse of a type-byte table, for decoding. */
export function byByte<T extends string>(table: Readonly<Record<T, string>>): Map<number, T> {
  const map = new Map<number, T>();
  for (const [name, letter] of Object.entries(table) as [T, string][]) map.set(letter.charCodeAt(0), name);
  return map;
}
