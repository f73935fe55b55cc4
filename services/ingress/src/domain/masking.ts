import type { MaskingProfile } from '@portcullis/detectors';
import { refusal, type Refusal } from './refusal.js';

export type ResolvedProfile = { readonly ok: true; readonly profile: MaskingProfile } | { readonly ok: false; readonly refusal: Refusal };

/**
 * The one profile a response is masked with: every profile the decision names, their detectors,
 * field rules and column rules combined. A profile that is missing (unknown, or never loaded
 * because the masking service was unreachable) is a refusal: the response does not leave the
 * gateway.
 */
export function resolveProfile(available: ReadonlyMap<string, MaskingProfile>, names: readonly string[]): ResolvedProfile {
  const missing = names.find((name) => !available.has(name));
  if (missing !== undefined) return { ok: false, refusal: refusal('MASKING_FAILED', `masking profile "${missing}" is not available`) };
  const profiles = names.map((name) => available.get(name)!);
  if (profiles.length === 1) return { ok: true, profile: profiles[0]! };
  return {
    ok: true,
    profile: {
      name: profiles.map((p) => p.name).join('+'),
      detectors: [...new Set(profiles.flatMap((p) => p.detectors))],
      fields: [...new Set(profiles.flatMap((p) => p.fields))],
      columns: [...new Set(profiles.flatMap((p) => p.columns))],
    },
  };
}
