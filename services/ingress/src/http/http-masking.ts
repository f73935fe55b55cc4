import { maskBytes, maskText, type MaskingProfile } from '@portcullis/detectors';
import { refusal, type Refusal } from '../domain/refusal.js';

export type BodyMasking = { readonly ok: true; readonly body: Buffer; readonly findings: Readonly<Record<string, number>> } | { readonly ok: false; readonly refusal: Refusal };

/**
 * Masks an HTTP response body in-process. A body that cannot be read (compressed, binary, not
 * UTF-8, invalid JSON) is a refusal: it does not leave the gateway.
 */
export function maskBody(profile: MaskingProfile, contentType: string, contentEncoding: string, body: Uint8Array): BodyMasking {
  if (contentEncoding !== 'identity') {
    return { ok: false, refusal: refusal('RESPONSE_NOT_MASKABLE', `upstream sent a ${contentEncoding}-encoded body, which cannot be masked`) };
  }
  const outcome = maskBytes(body, contentType, profile);
  if (outcome.ok) return outcome;
  return { ok: false, refusal: refusal(outcome.code === 'MASKING_FAILED' ? 'MASKING_FAILED' : 'RESPONSE_NOT_MASKABLE', outcome.message) };
}

/**
 * Header values are masked with the same detectors as the body (a `Location` or `X-User-Email`
 * can carry the same data). Field rules do not apply to headers.
 */
export function maskHeaders(profile: MaskingProfile, headers: Record<string, string | string[]>): { headers: Record<string, string | string[]>; findings: number } {
  let findings = 0;
  const mask = (value: string) => {
    const result = maskText(value, profile);
    for (const count of Object.values(result.findings)) findings += count;
    return result.text;
  };
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? value.map(mask) : mask(value);
  return { headers: out, findings };
}
