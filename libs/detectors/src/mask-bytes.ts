import { maskBody } from './mask-body.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile } from './masking.types.js';

export type MaskBytesFailure = 'UNSUPPORTED_CONTENT_TYPE' | 'INVALID_JSON' | 'INVALID_ENCODING' | 'MASKING_FAILED';

export type MaskBytesOutcome =
  | { readonly ok: true; readonly body: Buffer; readonly findings: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly code: MaskBytesFailure; readonly message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Masks a raw response body: the one entry point for every service that masks bytes (the masking
 * service's Mask call and the gateway's in-process path), so both fail closed the same way.
 * Expected failures are values; nothing that could not be masked is ever returned.
 */
export function maskBytes(body: Uint8Array, contentType: string | undefined, profile: MaskingProfile): MaskBytesOutcome {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, code: 'INVALID_ENCODING', message: 'body is not valid UTF-8 and cannot be masked' };
  }
  try {
    const result = maskBody(text, contentType || undefined, profile);
    return { ok: true, body: Buffer.from(result.text, 'utf8'), findings: result.findings };
  } catch (err) {
    if (err instanceof MaskingError && (err.code === 'UNSUPPORTED_CONTENT_TYPE' || err.code === 'INVALID_JSON')) {
      return { ok: false, code: err.code, message: err.message };
    }
    // e.g. JSON nested too deeply for JSON.stringify: still a refusal, never a pass-through.
    return { ok: false, code: 'MASKING_FAILED', message: 'the body could not be masked' };
  }
}
