const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const ASCII_MAX = 0x7f;

// Only consulted for non-ASCII neighbours, which are rare in practice.
const UNICODE_ALNUM = /^[\p{L}\p{Nd}]$/u;

/**
 * Whether `text` holds an ASCII digit: a precheck every digit-based detector asks about the same
 * short text in turn, so the last answer is kept (one native regex test per text, not four).
 */
export function hasDigit(text: string): boolean {
  if (text !== lastDigitText) {
    lastDigitText = text;
    lastHasDigit = DIGIT.test(text);
  }
  return lastHasDigit;
}

const DIGIT = /\d/;
let lastDigitText = '';
let lastHasDigit = false;

export function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

export function isAsciiLetter(code: number): boolean {
  const lower = code | 0x20; // folds A-Z onto a-z without a branch
  return lower >= 0x61 && lower <= 0x7a;
}

export function isAsciiAlnum(code: number): boolean {
  return isDigit(code) || isAsciiLetter(code);
}

export function isAsciiUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}

export function isAsciiLower(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/**
 * Characters that may stand between the digit groups of a card number or an IBAN in a view:
 * space, tab, CR, LF (a view has already folded every other space and dash), `-`, `.`, `/`, `_`
 * and `,`. A run of up to MAX_GROUP_SEPARATORS of them, mixed, joins two groups.
 */
export function isGroupSeparator(code: number): boolean {
  return code === 0x20 || code === 0x2d || code === 0x2e || code === 0x2f || code === 0x5f || code === 0x2c
    || code === 0x0a || code === 0x09 || code === 0x0d;
}

/** Longest run of group separators that still joins two digit groups (`4111 - 1111`). */
export const MAX_GROUP_SEPARATORS = 5;

/** The same class as isGroupSeparator, for building regular expressions. */
export const GROUP_SEPARATOR_CLASS = '[ \\t\\n\\r\\-./_,]';

/**
 * Whether the code point that ends just before `index` is a letter or digit.
 * Steps back over a surrogate pair so astral letters are seen whole.
 */
export function isAlnumBefore(text: string, index: number): boolean {
  if (index <= 0) return false;
  const code = text.charCodeAt(index - 1);
  if (code <= ASCII_MAX) return isAsciiAlnum(code);
  const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff;
  const start = isLowSurrogate && index >= 2 ? index - 2 : index - 1;
  return isUnicodeAlnum(text.codePointAt(start));
}

/** Whether the code point starting at `index` is a letter or digit. */
export function isAlnumAt(text: string, index: number): boolean {
  if (index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code <= ASCII_MAX) return isAsciiAlnum(code);
  return isUnicodeAlnum(text.codePointAt(index));
}

function isUnicodeAlnum(codePoint: number | undefined): boolean {
  return codePoint !== undefined && UNICODE_ALNUM.test(String.fromCodePoint(codePoint));
}
