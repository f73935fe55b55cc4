import type { DetectorId } from './detector-id.js';

/** One region of the input to replace; offsets are UTF-16 code-unit indices. */
export interface DetectorMatch {
  readonly detector: DetectorId;
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

export interface Detector {
  readonly id: DetectorId;
  /**
   * Appends non-overlapping matches in ascending `start` order. Appending to a
   * caller-owned array (rather than returning one) lets all detectors share a
   * single allocation per text.
   */
  find(text: string, out: DetectorMatch[]): void;
  /**
   * A necessary condition, checked on UTF-8 bytes without allocating: false means `find` cannot
   * match the text that `bytes[start, end)` decodes to. Lets callers that mask many small values
   * (SQL result columns, COPY fields) skip decoding the clean ones.
   */
  mayMatchUtf8(bytes: Uint8Array, start: number, end: number): boolean;
}
