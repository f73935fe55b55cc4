import { PortcullisError } from '@portcullis/errors';

const CODES = ['ROW_SHAPE', 'COPY_ROW_TOO_LARGE', 'COPY_INCOMPLETE_ROW', 'COPY_MALFORMED'] as const;

/**
 * Why a result could not be masked: ROW_SHAPE, a DataRow whose column count is not its
 * RowDescription's; COPY_ROW_TOO_LARGE, a COPY row over the limit; COPY_INCOMPLETE_ROW, COPY data
 * that ended inside a row; COPY_MALFORMED, COPY data this masker cannot split into fields the way a
 * client would. The proxy must stop the result there (an ErrorResponse, never the unmasked rest).
 * Messages never quote data.
 */
export type ResultMaskingErrorCode = (typeof CODES)[number];

export class ResultMaskingError extends PortcullisError<ResultMaskingErrorCode> {}
