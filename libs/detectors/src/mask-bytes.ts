import { maskBody } from './mask-body.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile } from './masking.types.js';

export type MaskBytesFailure = 'UNSUPPORTED_CONTENT_TYPE' | 'INVALID_JSON' | 'INVALID_ENCODING' | 'MASKING_FAILED';

/** Charsets the detectors read correctly; anything else could hide values from them. */
const READABLE_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

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
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && !READABLE_CHARSETS.has(charset)) {
    return { ok: false, code: 'INVALID_ENCODING', message: `charset ${charset} cannot be masked (UTF-8 only)` };
  }
  if (hasWideByteOrderMark(body)) return { ok: false, code: 'INVALID_ENCODING', message: 'UTF-16/32 bodies cannot be masked (UTF-8 only)' };
  const json = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');
  if (profile.fields.length > 0 && !json) {
    // Field rules ("password", "ssn") can only be applied to JSON; a text body could carry the same
    // values where no rule can find them, so it does not pass.
    return { ok: false, code: 'UNSUPPORTED_CONTENT_TYPE', message: `the masking profile has field rules (${profile.fields.join(', ')}), which apply to JSON bodies only` };
  }
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

/** UTF-16 (FE FF / FF FE) and UTF-32 (00 00 FE FF) byte-order marks: NULs between letters hide values. */
function hasWideByteOrderMark(body: Uint8Array): boolean {
  return (body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0 && body[1] === 0 && body[2] === 0xfe && body[3] === 0xff);
}
