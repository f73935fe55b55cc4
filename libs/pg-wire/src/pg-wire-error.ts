import { PortcullisError } from '@portcullis/errors';

/**
 * MESSAGE_TOO_LARGE: a length header over the reader's limit (nothing of the body was buffered).
 * MALFORMED: bytes from the peer that do not form a valid message.
 * UNEXPECTED: a value we were asked to encode cannot be written, or a peer's answer is valid bytes
 * but not what the exchange allows (a SCRAM nonce that is not ours, a server signature that does not match).
 */
export const PG_WIRE_ERROR_CODES = ['MESSAGE_TOO_LARGE', 'MALFORMED', 'UNEXPECTED'] as const;
export type PgWireErrorCode = (typeof PG_WIRE_ERROR_CODES)[number];

/** The only error this package throws. Messages name the message and field, never a value from the peer. */
export class PgWireError extends PortcullisError<PgWireErrorCode> {}

export function malformed(message: string): never {
  throw new PgWireError('MALFORMED', message);
}

export function unexpected(message: string): never {
  throw new PgWireError('UNEXPECTED', message);
}
