import { PortcullisError } from '@portcullis/errors';
export type MaskingErrorCode = 'INVALID_JSON' | 'UNSUPPORTED_CONTENT_TYPE' | 'UNKNOWN_DETECTOR' | 'INVALID_COLUMN_PATTERN' | 'MISSING_TOKEN_KEY' | 'INVALID_STYLE' | 'INVALID_ENCODING' | 'TOO_LARGE' | 'MASKING_FAILED';

/**
 * Raised whenever a body cannot be masked. Callers must treat it as "do not
 * forward the body": masking fails closed.
 *
 * Messages never quote body content (and parse errors are not attached as
 * `cause`, because V8's JSON errors embed a snippet of the input), so the error
 * is safe to log.
 */
export class MaskingError extends PortcullisError<MaskingErrorCode> {}
