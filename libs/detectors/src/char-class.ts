const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const ASCII_MAX = 0x7f;

// Only consulted for non-ASCII neighbours, which are rare in practice.
const UNICODE_ALNUM = /^[\p{L}\p{Nd}]$/u;

export function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

export function isAsciiLetter(code: number): boolean {
  const lower = code | 0x20; // folds A-Z onto a-z without a branch
  return lower >= 0x61 && lower <= 0x7a;
}

/**
 * Whether the code point that ends just before `index` is a letter or digit.
 * Used for boundary checks: a card number glued to a word is part of an
 * identifier, not a card.
 */
export function isAlnumBefore(text: string, index: number): boolean {
  if (index <= 0) return false;
  const code = text.charCodeAt(index - 1);
  if (code <= ASCII_MAX) return isDigit(code) || isAsciiLetter(code);
  // Step back over a surrogate pair so astral letters are seen whole.
  const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff;
  const start = isLowSurrogate && index >= 2 ? index - 2 : index - 1;
  return isUnicodeAlnum(text.codePointAt(start));
}

/** Whether the code point starting at `index` is a letter or digit. */
export function isAlnumAt(text: string, index: number): boolean {
  if (index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code <= ASCII_MAX) return isDigit(code) || isAsciiLetter(code);
  return isUnicodeAlnum(text.codePointAt(index));
}

function isUnicodeAlnum(codePoint: number | undefined): boolean {
  return codePoint !== undefined && UNICODE_ALNUM.test(String.fromCodePoint(codePoint));
}
