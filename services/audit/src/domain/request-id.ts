/** Request ids are subject tokens of at most 128 characters (see the bus naming). */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Why a request id cannot be looked up, or undefined when it can. */
export function requestIdProblem(requestId: string, field: 'request_id' | 'session_id' = 'request_id'): string | undefined {
  if (requestId.length === 0) return `${field} is required`;
  if (requestId.length > MAX_REQUEST_ID_LENGTH) return `${field} is longer than ${MAX_REQUEST_ID_LENGTH} characters`;
  return undefined;
}
