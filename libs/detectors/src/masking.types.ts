import type { DetectorId } from './detector-id.js';

/**
 * How a found value is replaced:
 * - `redact`: by `[REDACTED:<detector>]` (field rules: `[REDACTED]`);
 * - `partial`: by the detector's partial form (a card's last four digits, an address's first
 *   letter and domain); a field rule has no partial form and redacts;
 * - `tokenise`: by a deterministic keyed token, `tok_<detector>_<hex>`, the HMAC-SHA-256 of the
 *   value's canonical form under the profile's token key, so equal values give equal tokens.
 */
export type MaskStyle = 'redact' | 'partial' | 'tokenise';

export const MASK_STYLES: readonly MaskStyle[] = Object.freeze(['redact', 'partial', 'tokenise']);

/** What a style is chosen for: a detector, or `field` for every field rule without its own style. */
export type StyleTarget = DetectorId | 'field';

/** A named masking profile, as loaded from gateway config. */
export interface MaskingProfile {
  readonly name: string;
  /** Detectors run on every string value (JSON) or on the whole text. */
  readonly detectors: readonly DetectorId[];
  /**
   * JSON keys and form field names (matched case-insensitively) whose values are masked whatever
   * their type; in SQL results also column names (the result column's name or its source
   * column's, any table).
   */
  readonly fields: readonly string[];
  /**
   * SQL result columns redacted whatever their value: `[schema.]table.column` patterns (see
   * column-pattern.ts). HTTP masking ignores them.
   */
  readonly columns: readonly string[];
  /** Style per detector, and `field` for field rules; default `partial` (field rules: `redact`). */
  readonly styles?: Readonly<Partial<Record<StyleTarget, MaskStyle>>>;
  /** Style of one field rule (lower-cased field name), over `styles.field`. */
  readonly fieldStyles?: Readonly<Record<string, MaskStyle>>;
  /**
   * The HMAC key of the `tokenise` style (at least 32 bytes). Never sent anywhere: each service
   * that masks reads it from its own config. A profile that tokenises without a key cannot be used.
   */
  readonly tokenKey?: Uint8Array;
}

export interface MaskResult {
  readonly text: string;
  /**
   * Number of masked occurrences per detector id, plus `field` for field-rule
   * redactions. Only non-zero counts appear, so a clean body yields `{}`.
   */
  readonly findings: Readonly<Record<string, number>>;
}
