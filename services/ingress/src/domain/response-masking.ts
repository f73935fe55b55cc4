import { maskBytes, maskText, type MaskingProfile } from '@portcullis/detectors';
import { refusal, type Refusal } from './refusal.js';

export type ResponseMasking = { readonly ok: true; readonly body: Buffer; readonly findings: Readonly<Record<string, number>> } | { readonly ok: false; readonly refusal: Refusal };

/**
 * Masks a response body in-process with a profile the masking service published. A profile that is
 * missing (unknown, or not loaded because the masking service was never reachable) or a body that
 * cannot be read is a refusal: the body does not leave the gateway.
 */
/**
 * Header values are masked with the same detectors as the body (a `Location` or `X-User-Email`
 * can carry the same data). Field rules do not apply to headers.
 */
export function maskHeaders(profiles: ReadonlyMap<string, MaskingProfile>, names: readonly string[], headers: Record<string, string | string[]>): { headers: Record<string, string | string[]>; findings: number } {
  const profile = combine(names.flatMap((name) => profiles.get(name) ?? []));
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

export function maskResponse(profiles: ReadonlyMap<string, MaskingProfile>, names: readonly string[], contentType: string, contentEncoding: string, body: Uint8Array): ResponseMasking {
  const missing = names.filter((name) => !profiles.has(name));
  if (missing.length > 0) return { ok: false, refusal: refusal('MASKING_FAILED', `masking profile "${missing[0]}" is not available`) };
  const profile = combine(names.map((name) => profiles.get(name)!));
  if (contentEncoding !== 'identity') {
    return { ok: false, refusal: refusal('RESPONSE_NOT_MASKABLE', `upstream sent a ${contentEncoding}-encoded body, which cannot be masked`) };
  }
  const outcome = maskBytes(body, contentType, profile);
  if (outcome.ok) return outcome;
  return { ok: false, refusal: refusal(outcome.code === 'MASKING_FAILED' ? 'MASKING_FAILED' : 'RESPONSE_NOT_MASKABLE', outcome.message) };
}

/** Several profiles apply at once: all their detectors and all their field rules. */
function combine(profiles: readonly MaskingProfile[]): MaskingProfile {
  if (profiles.length === 1) return profiles[0]!;
  if (profiles.length === 0) return { name: 'none', detectors: [], fields: [] };
  return {
    name: profiles.map((p) => p.name).join('+'),
    detectors: [...new Set(profiles.flatMap((p) => p.detectors))],
    fields: [...new Set(profiles.flatMap((p) => p.fields))],
  };
}
