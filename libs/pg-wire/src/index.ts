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
} from './protocol.js';
export { MessageReader } from './message-reader.js';
export type { Frame, MessageReaderOptions } from './message-reader.js';
