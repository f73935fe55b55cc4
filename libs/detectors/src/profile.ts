import { isDetectorId } from './detector-id.js';
import type { Detector } from './detector.types.js';
import { detectorFor } from './detector.registry.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile } from './masking.types.js';

/** A profile checked and turned into the lookups the maskers need. */
export interface CompiledProfile {
  readonly detectors: readonly Detector[];
  /** Lower-cased field names, for case-insensitive key matching. */
  readonly fields: ReadonlySet<string>;
  readonly masksCards: boolean;
}

/**
 * Compiled on every call rather than cached: it is tiny next to any body, and
 * a cache would be module-level state keyed on caller-owned objects.
 * Unknown detector ids throw instead of being skipped, because a typo in
 * config must not silently turn masking off.
 */
export function compileProfile(profile: MaskingProfile): CompiledProfile {
  const detectors: Detector[] = [];
  for (const id of new Set<unknown>(profile.detectors)) {
    if (!isDetectorId(id)) {
      throw new MaskingError('UNKNOWN_DETECTOR', `Masking profile ${JSON.stringify(profile.name)} uses unknown detector ${JSON.stringify(id)}`);
    }
    detectors.push(detectorFor(id));
  }
  return {
    detectors,
    fields: new Set(profile.fields.map((field) => field.toLowerCase())),
    masksCards: detectors.some((detector) => detector.id === 'card'),
  };
}
