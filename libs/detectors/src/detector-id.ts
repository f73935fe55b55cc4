/**
 * The tuple is the single source of truth: the union type is derived from it,
 * so adding a detector id in one place cannot silently miss the other.
 */
const IDS = ['email', 'card', 'iban', 'phone', 'ssn', 'secret'] as const;

export type DetectorId = (typeof IDS)[number];

export const DETECTOR_IDS: readonly DetectorId[] = Object.freeze([...IDS]);

/** Profiles come from config at runtime, so the static type alone proves nothing. */
export function isDetectorId(value: unknown): value is DetectorId {
  return typeof value === 'string' && (DETECTOR_IDS as readonly string[]).includes(value);
}
