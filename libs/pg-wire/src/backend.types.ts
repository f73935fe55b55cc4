import type { Format } from './payload-cursor.js';
import type { TRANSACTION_STATUSES } from './protocol.js';

export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** One column of a RowDescription. */
export interface RowField {
  readonly name: string;
  /** The table's OID, or 0 when the column is not a table column. */
  readonly tableOid: number;
  /** The column's attribute number, or 0. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen: negative for variable-width types. */
  readonly typeSize: number;
  readonly typeModifier: number;
  readonly format: Format;
}

/** An Authentication ('R') message by its method; methods without a case here come as kind 'authentication'. */
export type Authentication =
  | { readonly type: 'Authentication'; readonly kind: 'ok' }
  | { readonly type: 'Authentication'; readonly kind: 'cleartextPassword' }
  | { readonly type: 'Authentication'; readonly kind: 'md5Password'; readonly salt: Buffer }
  | { readonly type: 'Authentication'; readonly kind: 'sasl'; readonly mechanisms: string[] }
  | { readonly type: 'Authentication'; readonly kind: 'saslContinue'; readonly data: Buffer }
  | { readonly type: 'Authentication'; readonly kind: 'saslFinal'; readonly data: Buffer }
  /** Kerberos (2), SCM credentials (6), GSS (7), GSS continue (8), SSPI (9) or a future method. */
  | { readonly type: 'Authentication'; readonly kind: 'authentication'; readonly method: number; readonly data: Buffer };

interface CopyResponse {
  /** 0: textual (all columns text), 1: binary. */
  readonly format: Format;
  readonly columnFormats: Format[];
}

/** A typed message from server to client, by its protocol name. */
export type BackendMessage =
  | Authentication
  | { readonly type: 'ParameterStatus'; readonly name: string; readonly value: string }
  | { readonly type: 'BackendKeyData'; readonly processId: number; readonly secretKey: Buffer }
  | { readonly type: 'ReadyForQuery'; readonly status: TransactionStatus }
  | { readonly type: 'RowDescription'; readonly fields: RowField[] }
  | { readonly type: 'DataRow'; readonly values: (Buffer | null)[] }
  | { readonly type: 'CommandComplete'; readonly tag: string }
  /** Fields keyed by their one-letter code; `noticeFields()` names them. */
  | { readonly type: 'ErrorResponse'; readonly fields: Map<string, string> }
  | { readonly type: 'NoticeResponse'; readonly fields: Map<string, string> }
  | ({ readonly type: 'CopyInResponse' } & CopyResponse)
  | ({ readonly type: 'CopyOutResponse' } & CopyResponse)
  | ({ readonly type: 'CopyBothResponse' } & CopyResponse)
  | { readonly type: 'CopyData'; readonly data: Buffer }
  | { readonly type: 'CopyDone' }
  | { readonly type: 'ParameterDescription'; readonly typeOids: number[] }
  | { readonly type: 'NoData' }
  | { readonly type: 'ParseComplete' }
  | { readonly type: 'BindComplete' }
  | { readonly type: 'CloseComplete' }
  | { readonly type: 'PortalSuspended' }
  | { readonly type: 'EmptyQueryResponse' }
  | { readonly type: 'NotificationResponse'; readonly processId: number; readonly channel: string; readonly payload: string }
  | { readonly type: 'NegotiateProtocolVersion'; readonly newestMinor: number; readonly unrecognized: string[] }
  | { readonly type: 'FunctionCallResponse'; readonly value: Buffer | null };

export type BackendMessageType = BackendMessage['type'];
export type BackendMessageOf<T extends BackendMessageType> = Extract<BackendMessage, { type: T }>;
