import { DETECTOR_IDS, parseColumnPattern, type DetectorId, type MaskingProfile } from '@portcullis/detectors';
import type { maskingV1 } from '@portcullis/proto-gen';

export type ProfileMapping = { readonly ok: true; readonly profile: MaskingProfile } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Wire -> domain. A profile this gateway cannot apply as written — a detector it does not have, a
 * column rule it cannot read — is not mapped at all: responses that name it are refused, rather
 * than masked with part of it. (A masking service older than column rules sends none: [].)
 */
export function maskingProfileFromProto(p: maskingV1.MaskingProfile): ProfileMapping {
  const problems = [
    ...p.detectors.filter((d) => !DETECTOR_IDS.includes(d as DetectorId)).map((d) => `unknown detector ${JSON.stringify(d)}`),
    ...p.columns.flatMap((c) => {
      const parsed = parseColumnPattern(c);
      return parsed.ok ? [] : [parsed.message];
    }),
  ];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, profile: { name: p.name, detectors: p.detectors as DetectorId[], fields: [...p.fields], columns: [...p.columns] } };
}
