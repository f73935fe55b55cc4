import { maskBytes, type MaskingProfile } from '@portcullis/detectors';
import { refusal, type Refusal } from './refusal.js';

export type ResponseMasking = { readonly ok: true; readonly body: Buffer; readonly findings: Readonly<Record<string, number>> } | { readonly ok: false; readonly refusal: Refusal };

/**
 * Masks a response body in-process with a profile the masking service published. A profile that is
 * missing (unknown, or not loaded because the masking service was never reachable) or a body that
 * cannot be read is a refusal: the body does not leave the gateway.
 */
export function maskResponse(profile: MaskingProfile | undefined, profileName: string, contentType: string, contentEncoding: string, body: Uint8Array): ResponseMasking {
  if (!profile) return { ok: false, refusal: refusal('MASKING_FAILED', `masking profile "${profileName}" is not available`) };
  if (contentEncoding !== 'identity') {
    return { ok: false, refusal: refusal('RESPONSE_NOT_MASKABLE', `upstream sent a ${contentEncoding}-encoded body, which cannot be masked`) };
  }
  const outcome = maskBytes(body, contentType, profile);
  if (outcome.ok) return outcome;
  return { ok: false, refusal: refusal(outcome.code === 'MASKING_FAILED' ? 'MASKING_FAILED' : 'RESPONSE_NOT_MASKABLE', outcome.message) };
}
