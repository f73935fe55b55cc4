import { columnPatternMatches, parseColumnPattern, type ColumnPattern, type ColumnSource } from './column-pattern.js';
import type { DetectionContext } from './detector.types.js';
import type { Findings } from './findings.js';
import { maskDocumentWith } from './mask-body.js';
import { compactJson, maskJsonOrTextWith, maskJsonWith } from './mask-json.js';
import { applyDetectors } from './mask-text.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile } from './masking.types.js';
import { compileProfile, fieldNameOf } from './profile.js';

/**
 * A profile compiled once, for callers that mask many small values one at a time (SQL result
 * columns, COPY fields) where compiling per value, as maskText and maskJson do, would cost more
 * than the masking. Everything here is synchronous and keeps no state between calls.
 */
export interface ValueMasker {
  /** At least one detector: every value that can hold text may need masking. */
  readonly detects: boolean;
  /** At least one field rule: JSON values must be parsed to find the keys. */
  readonly hasFields: boolean;
  /** At least one column rule. */
  readonly hasColumns: boolean;
  /**
   * Whether a whole result column (or an MCP value under this key) is redacted: its source
   * matches a column rule, or its name or its source column's name is a field rule, compared as
   * JSON keys are (fieldNameOf: case-insensitive, after NFKC and the view's decoding).
   */
  redactsColumn(name: string, source: ColumnSource | undefined): boolean;
  /** Allocation-free: false when no detector can match the UTF-8 text in `bytes[start, end)`. */
  mayMatch(bytes: Uint8Array, start: number, end: number): boolean;
  /** Allocation-free: false when maskJson cannot change the UTF-8 JSON text in `bytes[start, end)`. */
  jsonMayNeedMasking(bytes: Uint8Array, start: number, end: number): boolean;
  /**
   * The detectors over one text; the same string when nothing matched. `context` names what the
   * text is the value of (a header's or cookie's name), as evidence for key-like secrets.
   */
  maskText(text: string, findings: Findings, context?: DetectionContext): string;
  /**
   * As maskJson: field rules at any depth, detectors on keys, string values and integers in any
   * notation. The same string when nothing was masked; a masked document is the input with the
   * masked tokens replaced and insignificant whitespace removed (every other token, numbers and
   * escapes included, as written). Throws MaskingError INVALID_JSON.
   */
  maskJson(json: string, findings: Findings): string;
  /**
   * `text` as JSON when it is valid JSON (source-preserving, as maskDocument), else as text
   * (maskText): for a value that may be either, such as one server-sent event's data. Throws
   * MaskingError INVALID_JSON where text masking would skip field rules (see maskJsonOrTextWith).
   */
  maskJsonOrText(text: string, findings: Findings): string;
  /**
   * A whole decoded document of a media type (`application/json`, `text/html`, ...: the essence,
   * lower-case, no parameters): field rules where the format has structure, detectors everywhere.
   * The same string when nothing was masked. Throws MaskingError for a document it cannot mask
   * (UNSUPPORTED_CONTENT_TYPE, INVALID_JSON, ...): nothing is passed through unread.
   */
  maskDocument(text: string, mediaType: string, findings: Findings): string;
}

const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const AMPERSAND = 0x26;

/** Throws MaskingError (UNKNOWN_DETECTOR, INVALID_COLUMN_PATTERN): a profile that cannot be read must not mask nothing. */
export function valueMasker(profile: MaskingProfile): ValueMasker {
  const compiled = compileProfile(profile);
  const { detectors, fields } = compiled;
  const patterns = profile.columns.map((text) => columnPattern(profile.name, text));
  // Without non-ASCII bytes, `\`, `%` or `&`, every key is its own inspection view, so its field name
  // is the key lower-cased: a field rule can only apply if its name appears in the bytes, in any
  // case. (Other keys can fold to ASCII, e.g. the Kelvin sign to "k": those documents are parsed.)
  const asciiFields = [...fields].filter((field) => /^[\x00-\x7f]*$/.test(field)).map((field) => Buffer.from(field, 'latin1'));
  const mayMatch = (bytes: Uint8Array, start: number, end: number): boolean => {
    if (detectors.length === 0) return false;
    // What an inspection view folds or decodes (non-ASCII, entities, percent and backslash escapes)
    // can spell any value without its ASCII bytes.
    if (mayNeedView(bytes, start, end)) return true;
    for (const detector of detectors) if (detector.mayMatchAscii(bytes, start, end)) return true;
    return false;
  };
  return {
    detects: detectors.length > 0,
    hasFields: fields.size > 0,
    hasColumns: patterns.length > 0,
    redactsColumn(name, source) {
      if (fields.has(fieldNameOf(name))) return true;
      if (source === undefined) return false;
      return fields.has(fieldNameOf(source.column)) || patterns.some((pattern) => columnPatternMatches(pattern, source));
    },
    mayMatch,
    jsonMayNeedMasking(bytes, start, end) {
      if (detectors.length === 0 && fields.size === 0) return false;
      // A JSON escape (`\u0040`) can spell anything without its bytes, and so can what a key's or
      // a value's inspection view decodes or folds (non-ASCII, `%`, `&`).
      if (mayNeedView(bytes, start, end)) return true;
      // A number with a fraction or an exponent (`4.111111111111111e15`) may denote an integer
      // whose digits are not in the bytes.
      if (detectors.length > 0 && (mayMatch(bytes, start, end) || hasNumberNotation(bytes, start, end))) return true;
      return fields.size > 0 && asciiFields.some((field) => includesAsciiFolded(bytes, start, end, field));
    },
    maskText: (text, findings, context) => applyDetectors(text, compiled, findings, context),
    maskJson(json, findings) {
      const masked = maskJsonWith(json, compiled, findings);
      return masked === json ? json : compactJson(masked);
    },
    maskJsonOrText: (text, findings) => maskJsonOrTextWith(text, compiled, findings),
    maskDocument(text, mediaType, findings) {
      return maskDocumentWith(text, mediaType, compiled, findings);
    },
  };
}

function mayNeedView(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80 || byte === PERCENT || byte === AMPERSAND || byte === BACKSLASH) return true;
  }
  return false;
}

function columnPattern(profile: string, text: string): ColumnPattern {
  const parsed = parseColumnPattern(text);
  if (!parsed.ok) throw new MaskingError('INVALID_COLUMN_PATTERN', `Masking profile ${JSON.stringify(profile)}: ${parsed.message}`);
  return parsed.pattern;
}

/** A digit followed by `.`, `e` or `E` (anywhere: a string holding one only costs a parse). */
function hasNumberNotation(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start + 1; i < end; i++) {
    const byte = bytes[i]!;
    if ((byte === 0x2e || (byte | 0x20) === 0x65) && isAsciiDigit(bytes[i - 1]!)) return true;
  }
  return false;
}

function isAsciiDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** Whether `needle` (lower-case ASCII) occurs in bytes[start, end), ASCII letters compared in either case. */
function includesAsciiFolded(bytes: Uint8Array, start: number, end: number, needle: Uint8Array): boolean {
  const last = end - needle.length;
  outer: for (let i = start; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (foldAscii(bytes[i + j]!) !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

function foldAscii(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}
