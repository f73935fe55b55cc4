import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, ok } from './failure.js';
import type { Failure, FailureCode, Result } from './failure.js';
import { isPlainObject } from './json.js';

/** The HTTP status of each failure code, in one place (the OAuth-style body is `{ error, error_description }`). */
const STATUS: Record<FailureCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  server_error: 500,
};

/** Request bodies of the test and SAML endpoints are small JSON or form documents. */
const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    // Responses carry credentials (tokens, assertions), as the token endpoint's do.
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendFailure(res: ServerResponse, failure: Failure, headers: Record<string, string> = {}): void {
  sendJson(res, STATUS[failure.code], { error: failure.code, error_description: failure.message }, headers);
}

/** Reads the whole body, refusing more than MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Result<Buffer>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return fail('payload_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return ok(Buffer.concat(chunks));
}

function mediaType(req: IncomingMessage): string | undefined {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

/**
 * A JSON object body; an empty body is `{}`. The content type is not checked: these are
 * test endpoints, and `fetch(url, { body: JSON.stringify(x) })` sends text/plain.
 */
export async function readJsonObject(req: IncomingMessage): Promise<Result<Record<string, unknown>>> {
  const body = await readBody(req);
  if (!body.ok) return body;
  if (body.value.length === 0) return ok({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.value.toString('utf8'));
  } catch {
    return fail('invalid_request', 'the request body is not valid JSON');
  }
  if (!isPlainObject(parsed)) return fail('invalid_request', 'the request body must be a JSON object');
  return ok(parsed);
}

/** An application/x-www-form-urlencoded body, or none (undefined) when the request has no body. */
export async function readForm(req: IncomingMessage): Promise<Result<URLSearchParams | undefined>> {
  const body = await readBody(req);
  if (!body.ok) return body;
  if (body.value.length === 0) return ok(undefined);
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    return fail('unsupported_media_type', 'the request body must be application/x-www-form-urlencoded');
  }
  return ok(new URLSearchParams(body.value.toString('utf8')));
}
