import type { FrontendMessage, FrontendMessageOf, FrontendMessageType, Target } from './frontend.types.js';
import type { Frame } from './message-reader.js';
import { PayloadCursor } from './payload-cursor.js';
import { malformed } from './pg-wire-error.js';
import { byByte, describeByte, FRONTEND_TYPE_BYTES, TARGETS } from './protocol.js';

type Decoders = { readonly [T in FrontendMessageType]: (cursor: PayloadCursor) => FrontendMessageOf<T> };

/** One decoder per frontend message; each reads the whole payload or fails. */
const DECODERS: Decoders = {
  Query: (c) => ({ type: 'Query', sql: c.cstring('query string') }),
  Parse: (c) => {
    const name = c.cstring('statement name');
    const sql = c.cstring('query string');
    const count = c.count('parameter type count', 4);
    const parameterTypes: number[] = [];
    for (let i = 0; i < count; i++) parameterTypes.push(c.uint32(`parameter type ${i}`));
    return { type: 'Parse', name, sql, parameterTypes };
  },
  Bind: (c) => {
    const portal = c.cstring('portal name');
    const statement = c.cstring('statement name');
    const parameterFormats = c.formats('parameter format');
    const parameters = c.values('parameter');
    checkFormatCount(c, parameterFormats.length, parameters.length, 'parameter');
    const resultFormats = c.formats('result format');
    return { type: 'Bind', portal, statement, parameterFormats, parameters, resultFormats };
  },
  Describe: (c) => ({ type: 'Describe', target: target(c), name: c.cstring('name') }),
  Execute: (c) => ({ type: 'Execute', portal: c.cstring('portal name'), maxRows: c.uint32('row limit') }),
  Sync: () => ({ type: 'Sync' }),
  Flush: () => ({ type: 'Flush' }),
  Close: (c) => ({ type: 'Close', target: target(c), name: c.cstring('name') }),
  CopyData: (c) => ({ type: 'CopyData', data: c.rest() }),
  CopyDone: () => ({ type: 'CopyDone' }),
  CopyFail: (c) => ({ type: 'CopyFail', message: c.cstring('error message') }),
  Terminate: () => ({ type: 'Terminate' }),
  Password: (c) => ({ type: 'Password', data: c.rest() }),
  FunctionCall: (c) => {
    const functionOid = c.uint32('function oid');
    const argumentFormats = c.formats('argument format');
    const args = c.values('argument');
    checkFormatCount(c, argumentFormats.length, args.length, 'argument');
    return { type: 'FunctionCall', functionOid, argumentFormats, arguments: args, resultFormat: c.format('result format') };
  },
};

const BY_BYTE = byByte(FRONTEND_TYPE_BYTES);

/** Decodes a typed frame from a client. Unknown type bytes, short or long payloads are MALFORMED. */
export function decodeFrontend(frame: Frame): FrontendMessage {
  const type = BY_BYTE.get(frame.type);
  if (type === undefined) return malformed(`unknown frontend message type ${describeByte(frame.type)}`);
  const cursor = new PayloadCursor(frame.payload, type);
  const message = DECODERS[type](cursor);
  cursor.end();
  return message;
}

/** The body of a 'p' message sent as a PasswordMessage (cleartext, or the 'md5…' answer). */
export function decodePassword(data: Buffer): string {
  const cursor = new PayloadCursor(data, 'PasswordMessage');
  const password = cursor.cstring('password');
  cursor.end();
  return password;
}

/** The body of a 'p' message sent as SASLInitialResponse; a length of -1 means no initial response. */
export function decodeSaslInitialResponse(data: Buffer): { mechanism: string; response: Buffer | null } {
  const cursor = new PayloadCursor(data, 'SASLInitialResponse');
  const mechanism = cursor.cstring('mechanism');
  const response = cursor.value('initial response');
  cursor.end();
  return { mechanism, response };
}

function target(cursor: PayloadCursor): Target {
  return cursor.letter(TARGETS, 'target');
}

/** PostgreSQL accepts no format codes (all text), one (for all) or one per value. */
function checkFormatCount(cursor: PayloadCursor, formats: number, values: number, what: string): void {
  if (formats > 1 && formats !== values) cursor.fail(`${formats} ${what} formats for ${values} ${what}s`);
}
