export { DETECTOR_IDS } from './detector-id.js';
export type { DetectorId } from './detector-id.js';
export { luhnValid } from './luhn.js';
export { maskBody } from './mask-body.js';
export { maskJson } from './mask-json.js';
export { maskText } from './mask-text.js';
export { MaskingError } from './masking-error.js';
export type { MaskingErrorCode } from './masking-error.js';
export type { MaskingProfile, MaskResult } from './masking.types.js';
