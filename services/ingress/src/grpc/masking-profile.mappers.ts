import { DETECTOR_IDS, MASK_STYLES, parseColumnPattern, type DetectorId, type MaskingProfile, type MaskStyle, type StyleTarget } from '@portcullis/detectors';
import type { maskingV1 } from '@portcullis/proto-gen';

export type ProfileMapping = { readonly ok: true; readonly profile: MaskingProfile } | { readonly ok: false; readonly problems: readonly string[] };

const isStyle = (style: string): style is MaskStyle => (MASK_STYLES as readonly string[]).includes(style);
const isStyleTarget = (target: string): target is StyleTarget => target === 'field' || DETECTOR_IDS.includes(target as DetectorId);

/**
 * Wire -> domain. A profile this gateway cannot apply as written — a detector or style it does not
 * have, a column rule it cannot read, a tokenise style without this gateway's token key — is not
 * mapped at all: responses that name it are refused, rather than masked with part of it. (A
 * masking service older than column rules or styles sends none.) The token key is this gateway's
 * own (masking.tokenKey), never the wire's.
 */
export function maskingProfileFromProto(p: maskingV1.MaskingProfile, tokenKey?: Uint8Array): ProfileMapping {
  const styles = Object.entries(p.styles ?? {});
  const fieldStyles = Object.entries(p.fieldStyles ?? {});
  const problems = [
    ...p.detectors.filter((d) => !DETECTOR_IDS.includes(d as DetectorId)).map((d) => `unknown detector ${JSON.stringify(d)}`),
    ...p.columns.flatMap((c) => {
      const parsed = parseColumnPattern(c);
      return parsed.ok ? [] : [parsed.message];
    }),
    ...styles.filter(([target]) => !isStyleTarget(target)).map(([target]) => `style for unknown detector ${JSON.stringify(target)}`),
    ...[...styles, ...fieldStyles].filter(([, style]) => !isStyle(style)).map(([target, style]) => `unknown style ${JSON.stringify(style)} for ${JSON.stringify(target)}`),
  ];
  const tokenises = [...styles, ...fieldStyles].some(([, style]) => style === 'tokenise');
  if (tokenises && tokenKey === undefined) problems.push('it tokenises, and this gateway has no masking.tokenKey');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    profile: {
      name: p.name,
      detectors: p.detectors as DetectorId[],
      fields: [...p.fields],
      columns: [...p.columns],
      ...(styles.length > 0 ? { styles: Object.fromEntries(styles) as Partial<Record<StyleTarget, MaskStyle>> } : {}),
      ...(fieldStyles.length > 0 ? { fieldStyles: Object.fromEntries(fieldStyles) as Record<string, MaskStyle> } : {}),
      ...(tokenises && tokenKey ? { tokenKey } : {}),
    },
  };
}
