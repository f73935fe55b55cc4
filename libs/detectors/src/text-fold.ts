/**
 * How an inspection view folds one non-ASCII code point: a decimal digit of any script becomes its
 * ASCII digit, a space separator U+0020, a dash (or U+2212 minus) `-`; format characters and other
 * default-ignorables are removed, and so is a combining mark after a digit (the caller knows what
 * precedes it); anything else becomes its NFKC form (`＠` → `@`, `ﬁ` → `fi`), the forms' own digits,
 * spaces and dashes folded too.
 */
export const UNCHANGED = 1;
export const SPACE = 2;
export const DASH = 3;
export const IGNORABLE = 4;
export const MARK = 5;
export const NORMALISES = 6;
/** DIGIT + v: the decimal digit v. */
export const DIGIT = 10;

const DECIMAL = /^\p{Nd}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
// Line and paragraph separators and NEL break lines as LF does; ASCII VT and FF are left as they are (ASCII is never folded).
const LINE_BREAK = /^[\p{Zl}\p{Zp}\u0085]$/u;
const DASH_PUNCTUATION = /^[\p{Pd}\u2212]$/u;
const DEFAULT_IGNORABLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
const COMBINING_MARK = /^\p{M}$/u;
const NON_ASCII = /[\u0080-\uffff]/;

/** Astral classes memoised at most: past this, they are worked out each time (memory stays bounded). */
const MAX_ASTRAL_MEMO = 10_000;

/**
 * Memos of pure functions of a code point, filled on first sight: classifying costs several
 * Unicode property tests, and text repeats its characters. They hold no data from any text beyond
 * which characters occur, and change no result.
 */
let bmpClasses: Uint8Array | undefined;
const astralClasses = new Map<number, number>();
const normalForms = new Map<number, string>();

export function classOf(codePoint: number): number {
  if (codePoint <= 0xffff) {
    bmpClasses ??= new Uint8Array(0x10000);
    let known = bmpClasses[codePoint]!;
    if (known === 0) bmpClasses[codePoint] = known = classify(codePoint);
    return known;
  }
  let known = astralClasses.get(codePoint);
  if (known === undefined) {
    known = classify(codePoint);
    if (astralClasses.size < MAX_ASTRAL_MEMO) astralClasses.set(codePoint, known);
  }
  return known;
}

/** What a code point of class `kind` (not UNCHANGED, not a MARK kept) becomes: '' when removed. */
export function foldedOf(codePoint: number, kind: number): string {
  if (kind >= DIGIT) return String.fromCharCode(0x30 + kind - DIGIT);
  if (kind === SPACE) return ' ';
  if (kind === DASH) return '-';
  if (kind === IGNORABLE || kind === MARK) return '';
  let normal = normalForms.get(codePoint);
  if (normal === undefined) {
    normal = foldClasses(String.fromCodePoint(codePoint).normalize('NFKC'));
    if (codePoint <= 0xffff || normalForms.size < MAX_ASTRAL_MEMO) normalForms.set(codePoint, normal);
  }
  return normal;
}

/**
 * Folds a whole (short) text, such as what an escape decoded to: `afterDigit` says whether an ASCII character
 * precedes it, for the marks at its start.
 */
export function foldText(text: string, afterDigit: boolean): string {
  if (!NON_ASCII.test(text)) return text;
  let folded = '';
  let digitBefore = afterDigit;
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    const kind = codePoint < 0x80 ? UNCHANGED : classOf(codePoint);
    const out = kind === UNCHANGED || (kind === MARK && !digitBefore) ? char : foldedOf(codePoint, kind);
    folded += out;
    if (out !== '') digitBefore = out.charCodeAt(out.length - 1) < 0x80;
  }
  return folded;
}

export function isAsciiDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function classify(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  if (DECIMAL.test(char)) return DIGIT + digitValue(codePoint);
  if (SPACE_SEPARATOR.test(char) || LINE_BREAK.test(char)) return SPACE;
  if (DASH_PUNCTUATION.test(char)) return DASH;
  if (DEFAULT_IGNORABLE.test(char)) return IGNORABLE;
  if (COMBINING_MARK.test(char)) return MARK;
  return char.normalize('NFKC') === char ? UNCHANGED : NORMALISES;
}

/**
 * Unicode encodes each script's decimal digits as a contiguous run from zero to nine (several runs
 * back to back for the mathematical digits), so a digit's value is its distance from the start of
 * its run of decimal digits, modulo ten: no script needs listing.
 */
function digitValue(codePoint: number): number {
  let first = codePoint;
  while (DECIMAL.test(String.fromCodePoint(first - 1))) first--;
  return (codePoint - first) % 10;
}

/** The class folds (not NFKC again) over an NFKC form, which may hold a digit, space or dash of its own. */
function foldClasses(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  let folded = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    const kind = codePoint < 0x80 ? UNCHANGED : classify(codePoint);
    folded += kind === UNCHANGED || kind === NORMALISES || kind === MARK ? char : foldedOf(codePoint, kind);
  }
  return folded;
}
