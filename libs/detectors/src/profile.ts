import { isDetectorId, type DetectorId } from './detector-id.js';
import type { Detector } from './detector.types.js';
import { detectorFor } from './detector.registry.js';
import { MaskingError } from './masking-error.js';
import { MASK_STYLES, type MaskingProfile, type MaskStyle } from './masking.types.js';
import { replacer, type Replacer } from './replacement.js';
import { inspectionView } from './text-view.js';

/** A profile checked and turned into the lookups the maskers need. */
export interface CompiledProfile {
  readonly detectors: readonly Detector[];
  /** Field names as fieldNameOf gives them, for case-insensitive key matching. */
  readonly fields: ReadonlySet<string>;
  /** Style per detector id (default partial). */
  readonly styleOf: (id: DetectorId) => MaskStyle;
  /** Style of a field rule by its name as fieldNameOf gives it (default redact). */
  readonly fieldStyleOf: (field: string) => MaskStyle;
  readonly replace: Replacer;
}

/**
 * Compiled on every call rather than cached: it is tiny next to any body, and
 * a cache would be module-level state keyed on caller-owned objects.
 * Unknown detector ids and styles throw instead of being skipped, because a typo in
 * config must not silently turn masking off; so does a tokenising profile without a key.
 */
export function compileProfile(profile: MaskingProfile): CompiledProfile {
  const detectors: Detector[] = [];
  for (const id of new Set<unknown>(profile.detectors)) {
    if (!isDetectorId(id)) {
      throw new MaskingError('UNKNOWN_DETECTOR', `Masking profile ${JSON.stringify(profile.name)} uses unknown detector ${JSON.stringify(id)}`);
    }
    detectors.push(detectorFor(id));
  }
  const styles = new Map<string, MaskStyle>();
  for (const [target, style] of Object.entries(profile.styles ?? {})) styles.set(target, checkedStyle(profile.name, target, style));
  const fieldStyles = new Map<string, MaskStyle>();
  for (const [field, style] of Object.entries(profile.fieldStyles ?? {})) fieldStyles.set(fieldNameOf(field), checkedStyle(profile.name, field, style));
  const fieldDefault = styles.get('field') ?? 'redact';
  const tokenises = [...styles.values(), ...fieldStyles.values()].includes('tokenise');
  return {
    detectors,
    fields: new Set(profile.fields.map(fieldNameOf)),
    styleOf: (id) => styles.get(id) ?? 'partial',
    fieldStyleOf: (field) => fieldStyles.get(field) ?? fieldDefault,
    replace: replacer(profile.name, profile.tokenKey, tokenises),
  };
}

function checkedStyle(profile: string, target: string, style: unknown): MaskStyle {
  if (!(MASK_STYLES as readonly unknown[]).includes(style)) {
    throw new MaskingError('INVALID_STYLE', `Masking profile ${JSON.stringify(profile)}: ${JSON.stringify(target)} has unknown style ${JSON.stringify(style)} (${MASK_STYLES.join(', ')})`);
  }
  return style as MaskStyle;
}

/**
 * A key or field name (already unescaped by its format) as field rules compare it: its inspection
 * view (NFKC, ignorables removed, `%`/`&`/`\` escapes decoded), lower-cased. So `ＰＡＳＳＷＯＲＤ`,
 * `pass\u200Bword` and `pass%77ord` all name the field `password`.
 */
export function fieldNameOf(name: string): string {
  return inspectionView(name).text.toLowerCase();
}
