import { maskBytes, maskText, valueMasker, type MaskBytesFailure, type MaskingProfile } from '@portcullis/detectors';
import { refusal, type Refusal, type RefusalCode } from '../domain/refusal.js';

export type BodyMasking =
  | { readonly ok: true; readonly body: Buffer; readonly contentType: string; readonly findings: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly refusal: Refusal };

const REFUSAL: Record<MaskBytesFailure, RefusalCode> = {
  UNSUPPORTED_CONTENT_TYPE: 'RESPONSE_NOT_MASKABLE',
  UNSUPPORTED_ENCODING: 'RESPONSE_NOT_MASKABLE',
  INVALID_JSON: 'RESPONSE_NOT_MASKABLE',
  INVALID_ENCODING: 'RESPONSE_NOT_MASKABLE',
  TOO_LARGE: 'RESPONSE_TOO_LARGE',
  MASKING_FAILED: 'MASKING_FAILED',
};

/**
 * Masks an HTTP response body in-process: its Content-Encoding undone (decoded at most `maxBytes`),
 * read in its charset, masked. The masked body is identity-coded UTF-8, sent with `contentType`.
 * A body that cannot be read (binary, an unknown coding, undecodable, invalid JSON) is a refusal:
 * it does not leave the gateway.
 */
export function maskBody(profile: MaskingProfile, contentType: string, contentEncoding: string, body: Uint8Array, maxBytes: number): BodyMasking {
  const outcome = maskBytes(body, { contentType, contentEncoding, maxBytes }, valueMasker(profile));
  if (outcome.ok) return outcome;
  return { ok: false, refusal: refusal(REFUSAL[outcome.code], outcome.message) };
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
