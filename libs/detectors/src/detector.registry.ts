import { cardDetector } from './card.detector.js';
import type { DetectorId } from './detector-id.js';
import type { Detector } from './detector.types.js';
import { emailDetector } from './email.detector.js';

// Typed as a total record so adding a DetectorId without a detector fails to compile.
const DETECTORS: Readonly<Record<DetectorId, Detector>> = Object.freeze({
  email: emailDetector,
  card: cardDetector,
});

export function detectorFor(id: DetectorId): Detector {
  return DETECTORS[id];
}
