import type { DetectionContext } from './detector.types.js';
import type { Findings } from './findings.js';
import { countFinding } from './findings.js';
import { decodeJsonString, endOfJsonString, jsonStringLiteral } from './json-string.js';
import { integerDigits, mayHaveDigits } from './json-number.js';
import { applyDetectors } from './mask-text.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile, MaskResult } from './masking.types.js';
import { compileProfile, fieldNameOf, type CompiledProfile } from './profile.js';

/** Deepest nesting masked (RFC 8259 §9 lets a parser set one); the scan is iterative, so this is a policy, not a stack limit. */
export const MAX_JSON_DEPTH = 4096;

/** JSON in a string in a string...: how many documents deep field rules and number handling still reach. */
const MAX_NESTED_DOCUMENTS = 8;

/**
 * Integers shorter than this are not given to the detectors: no value they find (card, phone,
 * SSN, IBAN, secret) is a bare integer of fewer digits, and API responses are full of small ones.
 */
const MIN_NUMBER_DIGITS = 7;

/** Distinct clean keys remembered per body: enough for any schema, bounded for bodies of unique keys. */
const MAX_CACHED_KEYS = 4096;

const OBJECT = 1;
const ARRAY = 2;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INSIGNIFICANT = /"(?:[^"\\]|\\.)*"|[\t\n\r ]+/g;
const LOOKS_LIKE_DOCUMENT = /^[\t\n\r ]*[[{][^]*[\]}][\t\n\r ]*$/;
const OPENS_LIKE_JSON = /^[\t\n\r ]*(?:\{|\[[\t\n\r ]*[[{"])/;

/** Why a text is not JSON that can be masked; `offset` is a position in it, never its content. */
export interface JsonFailure {
  readonly offset: number;
  readonly reason: 'syntax' | 'depth';
}

export type JsonScan = { readonly ok: true; readonly text: string } | ({ readonly ok: false } & JsonFailure);

export function maskJson(json: string, profile: MaskingProfile): MaskResult {
  const findings: Findings = {};
  return { text: maskJsonWith(json, compileProfile(profile), findings), findings };
}

/**
 * Masks a JSON text (RFC 8259) in place: the output is the input with only the masked tokens
 * replaced, so a clean document comes back as the same string and numbers keep their spelling.
 * - string values: escapes decoded, detectors run on the value (through its inspection view, with
 *   the enclosing key as context), a masked value re-encoded as a JSON string;
 * - keys: detectors run on them too;
 * - a key naming a field rule (fieldNameOf): its value, of any type, becomes a JSON string of the
 *   field replacement;
 * - numbers in any notation that denote an integer: detectors run on its digits (exact, beyond
 *   2^53); a match turns the number into a JSON string of the masked digits;
 * - a string holding a JSON document itself (double-encoded JSON): masked as JSON, two levels deep.
 * Throws MaskingError INVALID_JSON (the message gives an offset, never content) for text that is
 * not JSON, including trailing garbage, and for nesting deeper than MAX_JSON_DEPTH.
 */
export function maskJsonWith(json: string, compiled: CompiledProfile, findings: Findings): string {
  const scan = scanJson(json, compiled, findings);
  if (!scan.ok) throw invalidJson(scan);
  return scan.text;
}

/**
 * `text` masked as JSON when it is JSON, else as text (detectors through the inspection view): for
 * values that may be either, such as one SSE event's data. Fails closed where reading JSON as text
 * would skip field rules: throws MaskingError INVALID_JSON for JSON nested beyond MAX_JSON_DEPTH,
 * and, when the profile has field rules, for text that opens like a JSON object or array of
 * values (`{`, `[{`, `["`, `[[`) but is not JSON (a truncated document, say).
 */
export function maskJsonOrTextWith(text: string, compiled: CompiledProfile, findings: Findings): string {
  const scan = scanJson(text, compiled, findings);
  if (scan.ok) return scan.text;
  if (scan.reason === 'depth' || (compiled.fields.size > 0 && OPENS_LIKE_JSON.test(text))) throw invalidJson(scan, 'Data');
  return applyDetectors(text, compiled, findings);
}

/**
 * Keys found clean, by their token: API responses repeat the same keys in every record, and a key
 * costs a view and every detector. A cache lives for one body (one document, or every record of
 * an NDJSON body) and one compiled profile.
 */
export class KeyCache extends Map<string, CleanKey> {
  /**
   * The clean key last met at each depth and member position, tried first: records repeat their
   * keys in order, and a hit (the same token at the same place, compared in place) costs neither
   * a slice nor a hash. A miss falls back to the cache.
   */
  readonly predicted: (PredictedKey | undefined)[][] = [];
}

interface PredictedKey {
  readonly token: string;
  readonly key: CleanKey;
}

/** Depths and member positions whose keys are predicted: enough for API records, bounded for any document. */
const MAX_PREDICTED = 64;

/**
 * A clean key's field name (undefined when no field rule names it) and the context its values are
 * read with: one object per key, so detectors asking about the key (a phone-like or secret-like
 * name?) are given the same string every time, and find its answer remembered at once.
 */
export interface CleanKey {
  readonly field: string | undefined;
  readonly context: DetectionContext;
}

/** For texts the scan found free of anything a view would change. */
const OWN_VIEW = Object.freeze({ knownOwnView: true });

// What a view decodes or folds in a string token without escapes (a `\` is an escape in JSON).
const VIEW_SPECIAL = /[%&\u0080-\uffff]/g;

/** As maskJsonWith, with failure as a value; findings are counted only when it succeeds. */
export function scanJson(json: string, compiled: CompiledProfile, findings: Findings, nesting = 0, keys: KeyCache = new KeyCache()): JsonScan {
  const found: Findings = {};
  const scan = new JsonMasker(json, compiled, found, nesting, keys).run();
  if (scan.ok) for (const [kind, count] of Object.entries(found)) findings[kind] = (findings[kind] ?? 0) + count;
  return scan;
}

export function invalidJson(failure: JsonFailure, what = 'Body'): MaskingError {
  return new MaskingError(
    'INVALID_JSON',
    failure.reason === 'depth'
      ? `${what} is JSON nested deeper than ${MAX_JSON_DEPTH} levels, which is not masked`
      : `${what} is not valid JSON (at offset ${failure.offset})`,
  );
}

/**
 * One pass over the text: a strict RFC 8259 scanner with an explicit stack, writing the output as
 * slices of the input between replaced tokens.
 */
class JsonMasker {
  private out = '';
  private cursor = 0;
  /** Kind of every open container, and the key each one sits under (arrays pass theirs to their items). */
  private readonly kinds: number[] = [];
  private readonly containerKeys: (DetectionContext | undefined)[] = [];
  /** Members read so far in every open container (objects count their keys). */
  private readonly ordinals: number[] = [];
  /** The key of the member being read, as detectors are given it. */
  private key: DetectionContext | undefined;
  /** While a field rule's value is read: the depth it sits at (-1 otherwise), where it starts, the field. */
  private fieldDepth = -1;
  private fieldStart = 0;
  private field = '';
  private readonly detects: boolean;
  /** Whether the string token just scanned holds an escape. */
  private readonly escapes = { found: false };
  /**
   * Where the next `%`, `&` or non-ASCII character is, found lazily at or after the last token
   * asked about (tokens are asked in order, so the search is linear); -1 before the first search.
   * A document that has none (checked natively up front) is plain throughout.
   */
  private nextSpecial = -1;
  constructor(
    private readonly json: string,
    private readonly compiled: CompiledProfile,
    private readonly findings: Findings,
    private readonly nesting: number,
    private readonly cleanKeys: KeyCache,
  ) {
    this.detects = compiled.detectors.length > 0;
    if (Buffer.byteLength(json, 'utf8') === json.length && !json.includes('%') && !json.includes('&')) this.nextSpecial = json.length;
  }

  run(): JsonScan {
    const { json, kinds } = this;
    let i = skipWhitespace(json, 0);
    let expect: 'value' | 'key' | 'after' = 'value';
    for (;;) {
      if (expect === 'value') {
        const code = json.charCodeAt(i);
        if (code === OPEN_BRACE || code === OPEN_BRACKET) {
          if (kinds.length >= MAX_JSON_DEPTH) return { ok: false, offset: i, reason: 'depth' };
          this.containerKeys.push(this.valueKey());
          this.ordinals.push(0);
          kinds.push(code === OPEN_BRACE ? OBJECT : ARRAY);
          i = skipWhitespace(json, i + 1);
          if (json.charCodeAt(i) === (code === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
            this.close();
            i++;
            expect = 'after';
          } else {
            expect = code === OPEN_BRACE ? 'key' : 'value';
          }
          continue;
        }
        const end = this.scalar(i, code);
        if (end < 0) return { ok: false, offset: i, reason: 'syntax' };
        i = end;
        expect = 'after';
        continue;
      }
      if (expect === 'key') {
        if (json.charCodeAt(i) !== QUOTE) return { ok: false, offset: i, reason: 'syntax' };
        const end = this.fieldDepth < 0 ? this.readKey(i) : endOfJsonString(json, i, this.escapes);
        if (end < 0) return { ok: false, offset: i, reason: 'syntax' };
        const field = this.fieldDepth < 0 ? this.keyField : undefined;
        i = skipWhitespace(json, end);
        if (json.charCodeAt(i) !== COLON) return { ok: false, offset: i, reason: 'syntax' };
        i = skipWhitespace(json, i + 1);
        if (field !== undefined) {
          this.fieldDepth = kinds.length;
          this.fieldStart = i;
          this.field = field;
        }
        expect = 'value';
        continue;
      }
      // After a value: a field rule's value may just have ended; then `,`, a closing bracket, or the end.
      if (this.fieldDepth === kinds.length) this.replaceField(i);
      i = skipWhitespace(json, i);
      const kind = kinds[kinds.length - 1];
      if (kind === undefined) return i === json.length ? { ok: true, text: this.finish() } : { ok: false, offset: i, reason: 'syntax' };
      const code = json.charCodeAt(i);
      if (code === COMMA) {
        i = skipWhitespace(json, i + 1);
        expect = kind === OBJECT ? 'key' : 'value';
      } else if (code === (kind === OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
        this.close();
        i++;
      } else {
        return { ok: false, offset: i, reason: 'syntax' };
      }
    }
  }

  private close(): void {
    this.kinds.pop();
    this.containerKeys.pop();
    this.ordinals.pop();
  }

  /** The key a value at the current position sits under: its member's, or the enclosing array's. */
  private valueKey(): DetectionContext | undefined {
    const kind = this.kinds[this.kinds.length - 1];
    return kind === OBJECT ? this.key : this.containerKeys[this.containerKeys.length - 1];
  }

  /** A string, number or literal at `i`; index past it, or -1 when invalid. */
  private scalar(i: number, code: number): number {
    const { json } = this;
    if (code === QUOTE) {
      const end = endOfJsonString(json, i, this.escapes);
      if (end > 0 && this.fieldDepth < 0) this.maskString(i, end);
      return end;
    }
    if (code === MINUS || (code >= 0x30 && code <= 0x39)) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(json)) return -1;
      const end = NUMBER.lastIndex;
      if (this.fieldDepth < 0) this.maskNumber(i, end);
      return end;
    }
    if (json.startsWith('true', i) || json.startsWith('null', i)) return i + 4;
    if (json.startsWith('false', i)) return i + 5;
    return -1;
  }

  /** The field name of the key readKey read, when a field rule names it. */
  private keyField: string | undefined;

  /**
   * Reads the key token at `start`: detectors on it; sets `key` and `keyField`. Returns the index
   * past the token, or -1 when it is not a valid string.
   */
  private readKey(start: number): number {
    const { json } = this;
    const depth = this.kinds.length;
    const ordinal = this.ordinals[depth - 1]!++;
    const slot = depth < MAX_PREDICTED && ordinal < MAX_PREDICTED ? (this.cleanKeys.predicted[depth] ??= []) : undefined;
    const predicted = slot?.[ordinal];
    if (predicted !== undefined && json.startsWith(predicted.token, start)) {
      // The same complete token (quotes included), so the same key.
      this.key = predicted.key.context;
      this.keyField = predicted.key.field;
      return start + predicted.token.length;
    }
    const end = endOfJsonString(json, start, this.escapes);
    if (end < 0) return end;
    const token = json.slice(start, end);
    const known = this.cleanKeys.get(token);
    if (known !== undefined) {
      this.key = known.context;
      this.keyField = known.field;
      if (slot !== undefined) slot[ordinal] = { token, key: known };
      return end;
    }
    const name = decodeJsonString(json, start, end, this.escapes.found);
    const context: DetectionContext = { key: name };
    this.key = context;
    let masked = false;
    if (this.detects) {
      const text = applyDetectors(name, this.compiled, this.findings);
      masked = text !== name;
      if (masked) this.replace(start, end, jsonStringLiteral(text));
    }
    const fieldName = this.compiled.fields.size > 0 ? fieldNameOf(name) : undefined;
    const field = fieldName !== undefined && this.compiled.fields.has(fieldName) ? fieldName : undefined;
    this.keyField = field;
    if (!masked && this.cleanKeys.size < MAX_CACHED_KEYS) this.cleanKeys.set(token, { field, context });
    return end;
  }

  private maskString(start: number, end: number): void {
    if (!this.detects && !this.mayHoldDocument(start)) return;
    const value = decodeJsonString(this.json, start, end, this.escapes.found);
    const masked = this.maskValue(value, this.valueKey(), !this.escapes.found && this.isPlain(start, end));
    if (masked !== value) this.replace(start, end, jsonStringLiteral(masked));
  }

  /** Whether json[start, end) holds no `%`, `&` or non-ASCII character. */
  private isPlain(start: number, end: number): boolean {
    if (this.nextSpecial < start) {
      VIEW_SPECIAL.lastIndex = start;
      this.nextSpecial = VIEW_SPECIAL.test(this.json) ? VIEW_SPECIAL.lastIndex - 1 : this.json.length;
    }
    return this.nextSpecial >= end;
  }

  /** Without detectors only a document in the string can need masking (field rules inside it). */
  private mayHoldDocument(start: number): boolean {
    if (this.compiled.fields.size === 0) return false;
    const first = this.json.charCodeAt(start + 1);
    // An escape may spell the bracket or the whitespace before it.
    return first === OPEN_BRACE || first === OPEN_BRACKET || first === 0x5c || first === 0x20 || first === 0x09 || first === 0x0a || first === 0x0d;
  }

  /** `plain`: the value is known to be its own inspection view. */
  private maskValue(value: string, key: DetectionContext | undefined, plain: boolean): string {
    if (mayBeDocument(value) && LOOKS_LIKE_DOCUMENT.test(value)) {
      // Deeper than this, a document's field rules would go unread: refused, not passed.
      if (this.nesting >= MAX_NESTED_DOCUMENTS && this.compiled.fields.size > 0) {
        throw new MaskingError('INVALID_JSON', `JSON nested in strings more than ${MAX_NESTED_DOCUMENTS} deep is not masked`);
      }
      if (this.nesting < MAX_NESTED_DOCUMENTS) {
        const inner = scanJson(value, this.compiled, this.findings, this.nesting + 1, this.cleanKeys);
        if (inner.ok) return inner.text;
      }
    }
    if (!this.detects) return value;
    return applyDetectors(value, this.compiled, this.findings, key, plain ? OWN_VIEW : undefined);
  }

  private maskNumber(start: number, end: number): void {
    if (!this.detects || !mayHaveDigits(this.json, start, end, MIN_NUMBER_DIGITS)) return;
    const digits = integerDigits(this.json, start, end);
    if (digits === undefined || digits.length < MIN_NUMBER_DIGITS) return;
    const masked = applyDetectors(digits, this.compiled, this.findings, this.valueKey(), OWN_VIEW);
    if (masked !== digits) this.replace(start, end, jsonStringLiteral(masked));
  }

  /** The field rule's value json[fieldStart, end) becomes a JSON string of its replacement. */
  private replaceField(end: number): void {
    const { compiled, json } = this;
    const style = compiled.fieldStyleOf(this.field);
    // Only a token needs the value: the decoded string, or the JSON text without insignificant whitespace.
    const canonical = style !== 'tokenise' ? '' : json.charCodeAt(this.fieldStart) === QUOTE
      ? decodeJsonString(json, this.fieldStart, end)
      : compactJson(json.slice(this.fieldStart, end));
    this.replace(this.fieldStart, end, jsonStringLiteral(compiled.replace.field(style, canonical)));
    countFinding(this.findings, 'field');
    this.fieldDepth = -1;
  }

  private replace(start: number, end: number, literal: string): void {
    this.out += this.json.slice(this.cursor, start) + literal;
    this.cursor = end;
  }

  private finish(): string {
    return this.cursor === 0 ? this.json : this.out + this.json.slice(this.cursor);
  }
}

/** Valid JSON without its insignificant whitespace; every token as written. */
export function compactJson(json: string): string {
  return json.replace(INSIGNIFICANT, (token) => (token.charCodeAt(0) === QUOTE ? token : ''));
}

/** LOOKS_LIKE_DOCUMENT's first and last characters, checked before the regex: most strings are not documents. */
function mayBeDocument(value: string): boolean {
  let first = 0;
  while (isJsonWhitespace(value.charCodeAt(first))) first++;
  const open = value.charCodeAt(first);
  if (open !== OPEN_BRACE && open !== OPEN_BRACKET) return false;
  let last = value.length - 1;
  while (last > first && isJsonWhitespace(value.charCodeAt(last))) last--;
  const close = value.charCodeAt(last);
  return close === CLOSE_BRACE || close === CLOSE_BRACKET;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipWhitespace(json: string, from: number): number {
  let i = from;
  for (;;) {
    const code = json.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return i;
    i++;
  }
}
