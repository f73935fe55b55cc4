import type { DetectorId } from './detector-id.js';

/** A named masking profile, as loaded from gateway config. */
export interface MaskingProfile {
  readonly name: string;
  /** Detectors run on every string value (JSON) or on the whole text. */
  readonly detectors: readonly DetectorId[];
  /**
   * JSON keys (matched case-insensitively) whose values are redacted whatever their type; in SQL
   * results also column names (the result column's name or its source column's, any table).
   */
  readonly fields: readonly string[];
  /**
   * SQL result columns redacted whatever their value: `[schema.]table.column` patterns (see
   * column-pattern.ts). HTTP masking ignores them.
   */
  readonly columns: readonly string[];
}

export interface MaskResult {
  readonly text: string;
  /**
   * Number of masked occurrences per detector id, plus `field` for field-rule
   * redactions. Only non-zero counts appear, so a clean body yields `{}`.
   */
  readonly findings: Readonly<Record<string, number>>;
}
