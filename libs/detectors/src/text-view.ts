import { DecodingMode, EntityDecoder, htmlDecodeTree } from 'entities/decode';

/**
 * The inspection view of a text: what detectors read (see detector.types.ts), with a map from every
 * view code unit back to the source span it came from. Escapes are decoded (HTML/XML character
 * references, %XX forming UTF-8, \uXXXX, \u{...}, \xXX) for a bounded number of rounds, so double
 * encodings are seen; then every non-ASCII code point is folded: decimal digits of any script to
 * ASCII, space separators to U+0020, dashes and U+2212 to `-`, default-ignorables and marks after a
 * digit removed, NFKC otherwise. ASCII characters are never folded, so a text without non-ASCII
 * characters and without `&`, `%` or `\` is its own view.
 */
export interface View {
  readonly text: string;
  /**
   * Source span of view unit i is [starts[i], ends[i]); both are non-decreasing, and spans overlap
   * only for units of one source character or escape (a ligature's letters). So view range [s, e)
   * comes from source [starts[s], ends[e - 1]). Undefined when the view is the source itself.
   */
  readonly starts: Int32Array | undefined;
  readonly ends: Int32Array | undefined;
}

/** A text that is itself mapped onto a source (a document's text content), to view through. */
export interface SourceMap {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

export interface ViewOptions {
  /** application/x-www-form-urlencoded: `+` is a space, in the first decoding round only. */
  readonly plusIsSpace?: boolean;
  /** The source's own map onto an outer source: the view then maps onto that outer source. */
  readonly map?: SourceMap;
}

/** Decoding rounds: `%2534` and `&amp;#52;` need two; more than four is not an encoding a client undoes. */
const MAX_DECODE_ROUNDS = 4;

const NEEDS_VIEW = /[^\x00-\x7f]|[&%\\]/;
const NEEDS_FORM_VIEW = /[^\x00-\x7f]|[&%\\+]/;
const ESCAPE = /[&%\\]/g;
const FORM_ESCAPE = /[&%\\+]/g;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * One non-ASCII code point the fold may change, classified by its group: 1 decimal digit, 2 space
 * separator, 3 dash, 4 format or default-ignorable (removed), 5 a mark after a digit (removed, so
 * `4\u0303` stays a digit run). FOLD_NFKC adds 6: a code point NFKC may change.
 */
const FOLD_CLASSES = String.raw`([[\p{Nd}]--[\0-\x7f]])|([[\p{Zs}]--[\0-\x7f]])|([[\p{Pd}\u2212]--[\0-\x7f]])|([\p{Cf}\p{Default_Ignorable_Code_Point}])|(\p{M}(?<=\p{Nd}[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}]*))`;
const FOLD = new RegExp(FOLD_CLASSES, 'gv');
const FOLD_NFKC = new RegExp(String.raw`${FOLD_CLASSES}|([[\p{Changes_When_NFKC_Casefolded}]--[\0-\x7f]])`, 'gv');
const DECIMAL_DIGIT = /\p{Nd}/u;

export function inspectionView(source: string, options?: ViewOptions): View {
  const plus = options?.plusIsSpace === true;
  const base = options?.map;
  if (!(plus ? NEEDS_FORM_VIEW : NEEDS_VIEW).test(source)) return { text: source, starts: base?.starts, ends: base?.ends };
  let view: View = { text: source, starts: base?.starts, ends: base?.ends };
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const decoded = decodeRound(view, plus && round === 0);
    if (decoded === undefined) break;
    view = decoded;
    ESCAPE.lastIndex = 0;
    if (!ESCAPE.test(view.text)) break;
  }
  if (NON_ASCII.test(view.text)) view = foldRound(view) ?? view;
  return view;
}

/** Source index of view unit `start`. */
export function sourceStart(view: View, start: number): number {
  return view.starts === undefined ? start : view.starts[start]!;
}

/** Source index just past view unit `end - 1` (end > 0). */
export function sourceEnd(view: View, end: number): number {
  return view.ends === undefined ? end : view.ends[end - 1]!;
}

/**
 * Appends view units, each with its source span. Spans are kept in the outermost source's
 * coordinates as they are built (the input's own map is composed in), so rounds compose for free.
 */
class ViewBuilder {
  private readonly parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  private length = 0;

  constructor(private readonly input: View) {
    const capacity = input.text.length + 16;
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Input units [a, b) unchanged. */
  copy(a: number, b: number): void {
    if (b <= a) return;
    const { input } = this;
    this.parts.push(input.text.slice(a, b));
    this.reserve(b - a);
    if (input.starts === undefined) {
      for (let k = a, at = this.length; k < b; k++, at++) {
        this.starts[at] = k;
        this.ends[at] = k + 1;
      }
    } else {
      this.starts.set(input.starts.subarray(a, b), this.length);
      this.ends.set(input.ends!.subarray(a, b), this.length);
    }
    this.length += b - a;
  }

  /** `text` in place of input units [a, b): every unit of it maps to their whole span. */
  emit(text: string, a: number, b: number): void {
    const start = sourceStart(this.input, a);
    const end = sourceEnd(this.input, b);
    this.parts.push(text);
    this.reserve(text.length);
    this.starts.fill(start, this.length, this.length + text.length);
    this.ends.fill(end, this.length, this.length + text.length);
    this.length += text.length;
  }

  /** Input units [a, b) removed: the previous unit's span grows over them, so a match ending there hides them too. */
  drop(b: number): void {
    if (this.length > 0) this.ends[this.length - 1] = sourceEnd(this.input, b);
  }

  finish(): View {
    return { text: this.parts.join(''), starts: this.starts.subarray(0, this.length), ends: this.ends.subarray(0, this.length) };
  }

  private reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.starts.length) return;
    const capacity = Math.max(needed, this.starts.length * 2);
    const starts = new Int32Array(capacity);
    const ends = new Int32Array(capacity);
    starts.set(this.starts.subarray(0, this.length));
    ends.set(this.ends.subarray(0, this.length));
    this.starts = starts;
    this.ends = ends;
  }
}

/** One round of escape decoding; undefined when nothing decoded. */
function decodeRound(input: View, plus: boolean): View | undefined {
  const { text } = input;
  const escape = plus ? FORM_ESCAPE : ESCAPE;
  const entities = new EntityReader();
  let builder: ViewBuilder | undefined;
  let cursor = 0;
  escape.lastIndex = 0;
  while (escape.test(text)) {
    const at = escape.lastIndex - 1;
    const decoded = decodeAt(text, at, plus, entities);
    if (decoded === undefined) continue;
    builder ??= new ViewBuilder(input);
    builder.copy(cursor, at);
    builder.emit(decoded.text, at, decoded.end);
    cursor = decoded.end;
    escape.lastIndex = cursor;
  }
  if (builder === undefined) return undefined;
  builder.copy(cursor, text.length);
  return builder.finish();
}

interface Decoded {
  readonly text: string;
  /** Index just past the escape. */
  readonly end: number;
}

function decodeAt(text: string, at: number, plus: boolean, entities: EntityReader): Decoded | undefined {
  switch (text.charCodeAt(at)) {
    case 0x26: return entities.read(text, at);
    case 0x25: return byteEscape(text, at, PERCENT);
    case 0x5c: return backslashEscape(text, at);
    default: return plus ? { text: ' ', end: at + 1 } : undefined;
  }
}

/** HTML character references through the `entities` decoder: every HTML5 name, numeric ones, legacy names without `;`. */
class EntityReader {
  private codePoints = '';
  private readonly decoder = new EntityDecoder(htmlDecodeTree, (codePoint) => {
    this.codePoints += String.fromCodePoint(codePoint);
  });

  read(text: string, at: number): Decoded | undefined {
    this.codePoints = '';
    this.decoder.startEntity(DecodingMode.Legacy);
    let consumed = this.decoder.write(text, at + 1);
    if (consumed < 0) consumed = this.decoder.end();
    // `consumed` counts the `&`; zero means it starts no reference.
    return consumed > 0 && this.codePoints !== '' ? { text: this.codePoints, end: at + consumed } : undefined;
  }
}

/** How one escaped byte is spelled: `%XX`, or `\xXX`. */
interface ByteSyntax {
  /** The byte at `at`, or -1 when no escaped byte starts there. */
  byteAt(text: string, at: number): number;
  readonly width: number;
}

const PERCENT: ByteSyntax = {
  byteAt: (text, at) => (text.charCodeAt(at) === 0x25 ? hexByte(text, at + 1) : -1),
  width: 3,
};

const BACKSLASH_X: ByteSyntax = {
  byteAt: (text, at) => (text.charCodeAt(at) === 0x5c && text.charCodeAt(at + 1) === 0x78 ? hexByte(text, at + 2) : -1),
  width: 4,
};

/**
 * An escaped ASCII byte, or escaped bytes forming one UTF-8 character; undefined otherwise (a
 * stray `%` in prose stays as written). `\xXX` that is not UTF-8 is the code unit U+00XX, as in
 * JavaScript.
 */
function byteEscape(text: string, at: number, syntax: ByteSyntax): Decoded | undefined {
  const lead = syntax.byteAt(text, at);
  if (lead < 0) return undefined;
  if (lead < 0x80) return { text: String.fromCharCode(lead), end: at + syntax.width };
  const utf8 = utf8Sequence(text, at, syntax, lead);
  if (utf8 !== undefined) return utf8;
  return syntax === BACKSLASH_X ? { text: String.fromCharCode(lead), end: at + syntax.width } : undefined;
}

function utf8Sequence(text: string, at: number, syntax: ByteSyntax, lead: number): Decoded | undefined {
  const count = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
  if (lead < 0xc2 || lead > 0xf4) return undefined;
  let codePoint = lead & (0x3f >> count);
  let position = at + syntax.width;
  for (let k = 0; k < count; k++) {
    const byte = syntax.byteAt(text, position);
    if (byte < 0x80 || byte > 0xbf) return undefined;
    codePoint = (codePoint << 6) | (byte & 0x3f);
    position += syntax.width;
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  const minimum = count === 1 ? 0x80 : count === 2 ? 0x800 : 0x10000;
  if (codePoint < minimum || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
  return { text: String.fromCodePoint(codePoint), end: position };
}

/** `\uXXXX` (a code unit, so surrogate pairs come out whole), `\u{...}` and `\xXX`. */
function backslashEscape(text: string, at: number): Decoded | undefined {
  const kind = text.charCodeAt(at + 1);
  if (kind === 0x78) return byteEscape(text, at, BACKSLASH_X);
  if (kind !== 0x75) return undefined;
  if (text.charCodeAt(at + 2) === 0x7b) {
    const close = text.indexOf('}', at + 3);
    if (close < 0 || close - (at + 3) > 6 || close === at + 3) return undefined;
    const codePoint = hexValue(text, at + 3, close);
    return codePoint < 0 || codePoint > 0x10ffff ? undefined : { text: String.fromCodePoint(codePoint), end: close + 1 };
  }
  const unit = hexValue(text, at + 2, at + 6);
  return unit < 0 ? undefined : { text: String.fromCharCode(unit), end: at + 6 };
}

function hexByte(text: string, at: number): number {
  return hexValue(text, at, at + 2);
}

/** The hex number in text[start, end), or -1 when any of it is not a hex digit (or it runs past the end). */
function hexValue(text: string, start: number, end: number): number {
  if (end > text.length) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** Folds the non-ASCII code points; undefined when none changes. */
function foldRound(input: View): View | undefined {
  const { text } = input;
  // A text already in NFKC has no code point that NFKC changes on its own, so only the classes need looking at.
  const pattern = text.normalize('NFKC') === text ? FOLD : FOLD_NFKC;
  let builder: ViewBuilder | undefined;
  let cursor = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const at = match.index;
    const end = at + match[0].length;
    const folded = foldMatch(match);
    if (folded === undefined) continue;
    builder ??= new ViewBuilder(input);
    builder.copy(cursor, at);
    if (folded === '') builder.drop(end);
    else builder.emit(folded, at, end);
    cursor = end;
  }
  if (builder === undefined) return undefined;
  builder.copy(cursor, text.length);
  return builder.finish();
}

/** What one matched code point becomes ('' = removed), or undefined when it stays. */
function foldMatch(match: RegExpExecArray): string | undefined {
  const char = match[0];
  if (match[1] !== undefined) return asciiDigit(char.codePointAt(0)!);
  if (match[2] !== undefined) return ' ';
  if (match[3] !== undefined) return '-';
  if (match[4] !== undefined || match[5] !== undefined) return '';
  const normal = char.normalize('NFKC');
  return normal === char ? undefined : foldClasses(normal);
}

/** The class folds (not NFKC again) over an NFKC result, which may hold a dash or a digit of its own. */
function foldClasses(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  FOLD.lastIndex = 0;
  return text.replace(FOLD, (char, digit, space, dash) =>
    digit !== undefined ? asciiDigit(char.codePointAt(0)!) : space !== undefined ? ' ' : dash !== undefined ? '-' : '',
  );
}

/**
 * Unicode encodes each script's decimal digits as a contiguous run from zero to nine (several runs
 * back to back for the mathematical digits), so a digit's value is its distance from the start of
 * its run of decimal digits, modulo ten: no script needs listing.
 */
function asciiDigit(codePoint: number): string {
  let first = codePoint;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(first - 1))) first--;
  return String.fromCharCode(0x30 + ((codePoint - first) % 10));
}
