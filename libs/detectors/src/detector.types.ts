import type { DetectorId } from './detector-id.js';

/** One value found in an inspection view; offsets are UTF-16 code-unit indices into that view. */
export interface DetectorMatch {
  readonly detector: DetectorId;
  readonly start: number;
  readonly end: number;
}

/** Where a value sits, when its format says (a JSON key, a form field name, a header name). */
export interface DetectionContext {
  /** The name the value is found under, as written (detectors compare it case-insensitively). */
  readonly key?: string;
}

/**
 * A detector reads an *inspection view* (see text-view.ts), never the raw text: a view has every
 * Unicode decimal digit as an ASCII digit, every space separator as U+0020, every dash as `-`,
 * NFKC applied (full-width `＠` is `@`), default-ignorable characters (zero-width spaces, soft
 * hyphens, joiners) removed, and HTML entities, percent-escapes and backslash escapes decoded. So a
 * detector only has to know the value's ASCII shapes; the engine maps matches back to the source.
 */
export interface Detector {
  readonly id: DetectorId;
  /**
   * Appends the values found in `text` in ascending `start` order, without overlaps. Appending to a
   * caller-owned array (rather than returning one) lets all detectors share one allocation per text.
   * `context` is given when the text is a whole value under a name (a JSON string under its key):
   * a key-like name ("api_key", "password") is evidence for a secret.
   */
  find(text: string, out: DetectorMatch[], context?: DetectionContext): void;
  /**
   * The `partial` masking style: the match shown in part (a card's last four digits, an address's
   * first letter and domain). Must not reveal enough to recover the value.
   */
  partial(text: string, start: number, end: number): string;
  /**
   * The value in canonical form, for the `tokenise` style: every spelling of one value (separators,
   * case where it does not matter) gives the same canonical form, so it gives the same token.
   */
  canonical(text: string, start: number, end: number): string;
  /**
   * A necessary condition on a view's text, cheaper than `find` and allocation-free: false means
   * `find(text, out, context)` appends nothing. The engine asks it before `find` on short texts
   * (a JSON value, a SQL field, a header), where a detector's fixed cost outweighs its scan; a
   * long text goes to `find` directly. It must hold for every text and context, exactly: a
   * precheck that is not a necessary condition drops detections.
   */
  mayMatchView(text: string, context?: DetectionContext): boolean;
  /**
   * A necessary condition on plain ASCII, checked on bytes without allocating: false means `find`
   * cannot match the text `bytes[start, end)`. Only asked about bytes that are all ASCII and hold
   * no `%`, `&` or `\` (the engine answers true itself for anything a view would decode or fold).
   */
  mayMatchAscii(bytes: Uint8Array, start: number, end: number): boolean;
}
