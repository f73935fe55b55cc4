export { PgWireError, PG_WIRE_ERROR_CODES } from './pg-wire-error.js';
export type { PgWireErrorCode } from './pg-wire-error.js';
export {
  PROTOCOL_3_0,
  SSL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  CANCEL_REQUEST_CODE,
  MAX_STARTUP_BYTES,
  FRONTEND_TYPE_BYTES,
  BACKEND_TYPE_BYTES,
  AUTHENTICATION_METHODS,
  TRANSACTION_STATUSES,
  TARGETS,
} from './protocol.js';
export { MessageReader } from './message-reader.js';
export type { Frame, MessageReaderOptions } from './message-reader.js';

export { decodeStartup } from './startup.decoder.js';
export type { StartupRequest } from './startup.decoder.js';
export { decodeFrontend, decodePassword, decodeSaslInitialResponse } from './frontend.decoder.js';
export type { FrontendMessage, FrontendMessageType, FrontendMessageOf, Format, Target } from './frontend.types.js';
export { decodeBackend, dataRowValues } from './backend.decoder.js';
export type { BackendMessage, BackendMessageType, BackendMessageOf, Authentication, RowField, TransactionStatus } from './backend.types.js';
export { noticeFields, isErrorSeverity, isNoticeSeverity, ERROR_SEVERITIES, NOTICE_SEVERITIES, REQUIRED_NOTICE_FIELDS, OPTIONAL_NOTICE_FIELDS } from './notice-fields.js';
export type { NoticeFields, NoticeInput, ErrorSeverity, NoticeSeverity, OptionalNoticeField } from './notice-fields.js';

export {
  authenticationOk,
  authenticationCleartextPassword,
  authenticationMd5Password,
  authenticationSasl,
  authenticationSaslContinue,
  authenticationSaslFinal,
  parameterStatus,
  backendKeyData,
  readyForQuery,
  errorResponse,
  noticeResponse,
  commandComplete,
  dataRow,
  rowDescription,
  parameterDescription,
  copyInResponse,
  copyOutResponse,
  notificationResponse,
  negotiateProtocolVersion,
  emptyQueryResponse,
  noData,
  parseComplete,
  bindComplete,
  closeComplete,
  portalSuspended,
  sslResponse,
} from './backend.encoder.js';
export type { RowFieldInput } from './backend.encoder.js';
export {
  startupMessage,
  sslRequest,
  gssencRequest,
  cancelRequest,
  passwordMessage,
  saslInitialResponse,
  saslResponse,
  query,
  parse,
  bind,
  describe,
  execute,
  sync,
  flush,
  close,
  terminate,
  copyData,
  copyDone,
  copyFail,
} from './frontend.encoder.js';

export { ScramSha256Client, SCRAM_SHA_256, MAX_SCRAM_ITERATIONS } from './scram.js';
export { md5PasswordMessage } from './md5.js';
