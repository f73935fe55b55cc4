import { cardDetector } from './card.detector.js';
import type { DetectorId } from './detector-id.js';
import type { Detector } from './detector.types.js';
import { emailDetector } from './email.detector.js';
import { ibanDetector } from './iban.detector.js';
import { phoneDetector } from './phone.detector.js';
import { secretDetector } from './secret.detector.js';
import { ssnDetector } from './ssn.detector.js';

// Typed as a total record so adding a DetectorId without a detector fails to compile.
const DETECTORS: Readonly<Record<DetectorId, Detector>> = Object.freeze({
  email: emailDetector,
  card: cardDetector,
  iban: ibanDetector,
  phone: phoneDetector,
  ssn: ssnDetector,
  secret: secretDetector,
});

export function detectorFor(id: DetectorId): Detector {
  return DETECTORS[id];
}
