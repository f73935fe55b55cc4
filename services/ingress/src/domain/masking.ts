import { fieldNameOf, type MaskingProfile, type MaskStyle, type StyleTarget } from '@portcullis/detectors';
import { refusal, type Refusal } from './refusal.js';

export type ResolvedProfile = { readonly ok: true; readonly profile: MaskingProfile } | { readonly ok: false; readonly refusal: Refusal };

/** When profiles disagree on a style, the one that reveals least wins: redact, then tokenise (equality), then partial. */
const STRENGTH: Readonly<Record<MaskStyle, number>> = { partial: 0, tokenise: 1, redact: 2 };

/**
 * The one profile a response is masked with: every profile the decision names, their detectors,
 * field rules and column rules combined, each style the strongest any of them asks for. A profile
 * that is missing (unknown, or never loaded because the masking service was unreachable) is a
 * refusal: the response does not leave the gateway.
 */
export function resolveProfile(available: ReadonlyMap<string, MaskingProfile>, names: readonly string[]): ResolvedProfile {
  const missing = names.find((name) => !available.has(name));
  if (missing !== undefined) return { ok: false, refusal: refusal('MASKING_FAILED', `masking profile "${missing}" is not available`) };
  const profiles = names.map((name) => available.get(name)!);
  if (profiles.length === 1) return { ok: true, profile: profiles[0]! };
  const tokenKey = profiles.find((p) => p.tokenKey !== undefined)?.tokenKey;
  return {
    ok: true,
    profile: {
      name: profiles.map((p) => p.name).join('+'),
      detectors: [...new Set(profiles.flatMap((p) => p.detectors))],
      fields: [...new Set(profiles.flatMap((p) => p.fields))],
      columns: [...new Set(profiles.flatMap((p) => p.columns))],
      // Every style made explicit, so that one profile's default cannot weaken another's choice.
      styles: strongest(profiles.flatMap((p) => p.detectors.map((id) => [id, p.styles?.[id] ?? 'partial'] as const))) as Partial<Record<StyleTarget, MaskStyle>>,
      fieldStyles: strongest(profiles.flatMap((p) => p.fields.map((field) => [fieldNameOf(field), fieldStyleOf(p, field)] as const))),
      ...(tokenKey ? { tokenKey } : {}),
    },
  };
}

/** A field rule's own style in its profile: keyed as the profile wrote it, or as fieldNameOf gives it. */
function fieldStyleOf(profile: MaskingProfile, field: string): MaskStyle {
  const own = profile.fieldStyles ?? {};
  return own[field] ?? own[field.toLowerCase()] ?? own[fieldNameOf(field)] ?? profile.styles?.field ?? 'redact';
}

/** Per key, the strongest style given to it. */
function strongest(entries: readonly (readonly [string, MaskStyle])[]): Record<string, MaskStyle> {
  const out: Record<string, MaskStyle> = {};
  for (const [key, style] of entries) {
    if (out[key] === undefined || STRENGTH[style] > STRENGTH[out[key]!]) out[key] = style;
  }
  return out;
}
