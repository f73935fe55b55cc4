import type { Frame } from './message-reader.js';
import { PayloadCursor } from './payload-cursor.js';
import { unexpected } from './pg-wire-error.js';
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, MAX_SECRET_KEY_BYTES, MIN_SECRET_KEY_BYTES, SSL_REQUEST_CODE } from './protocol.js';

/** What a client may send before it is authenticated, in an untyped message. */
export type StartupRequest =
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gssenc' }
  | { readonly kind: 'cancel'; readonly processId: number; readonly secretKey: Buffer }
  | { readonly kind: 'startup'; readonly major: number; readonly minor: number; readonly parameters: Map<string, string> };

/** The special request codes use major version 1234, which no protocol version will. */
const REQUEST_CODE_MAJOR = 1234;

/**
 * Decodes an untyped startup-phase frame. A StartupMessage must be protocol 3.x (any minor: the
 * caller negotiates with NegotiateProtocolVersion); its parameters keep their order, may not repeat
 * and must end with the extra NUL. Whether `user` is present is the caller's to check.
 */
export function decodeStartup(frame: Frame): StartupRequest {
  if (frame.raw.length !== frame.payload.length + 4) unexpected('decodeStartup needs an untyped frame (read with startup: true or after expectUntyped())');
  const cursor = new PayloadCursor(frame.payload, 'startup-phase message');
  const code = cursor.uint32('request code');
  switch (code) {
    case SSL_REQUEST_CODE:
      cursor.end();
      return { kind: 'ssl' };
    case GSSENC_REQUEST_CODE:
      cursor.end();
      return { kind: 'gssenc' };
    case CANCEL_REQUEST_CODE:
      return decodeCancel(new PayloadCursor(frame.payload.subarray(4), 'CancelRequest'));
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major === REQUEST_CODE_MAJOR) cursor.fail(`unknown request code ${code} (${major}/${minor})`);
  if (major !== 3) cursor.fail(`unsupported protocol version ${major}.${minor} (code ${code})`);
  return { kind: 'startup', major, minor, parameters: decodeParameters(new PayloadCursor(frame.payload.subarray(4), 'StartupMessage')) };
}

function decodeCancel(cursor: PayloadCursor): StartupRequest {
  const processId = cursor.int32('process id');
  const length = cursor.remaining;
  if (length < MIN_SECRET_KEY_BYTES || length > MAX_SECRET_KEY_BYTES) {
    cursor.fail(`secret key of ${length} bytes (${MIN_SECRET_KEY_BYTES}..${MAX_SECRET_KEY_BYTES})`);
  }
  return { kind: 'cancel', processId, secretKey: cursor.rest() };
}

function decodeParameters(cursor: PayloadCursor): Map<string, string> {
  const parameters = new Map<string, string>();
  for (let index = 0; ; index++) {
    if (cursor.remaining === 0) cursor.fail('parameter list does not end with an empty name');
    const name = cursor.cstring(`parameter ${index} name`);
    if (name === '') break;
    if (cursor.remaining === 0) cursor.fail(`parameter ${index} has a name but no value`);
    const value = cursor.cstring(`parameter ${index} value`);
    if (parameters.has(name)) cursor.fail(`parameter ${index} repeats an earlier name`);
    parameters.set(name, value);
  }
  cursor.end();
  return parameters;
}
