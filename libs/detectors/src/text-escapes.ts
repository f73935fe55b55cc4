import { DecodingMode, EntityDecoder, htmlDecodeTree } from 'entities/decode';

/**
 * The escapes an inspection view decodes, each read at the position of its first character:
 * HTML/XML character references (`&`), percent-escapes forming UTF-8 (`%`), backslash escapes
 * (`\uXXXX`, `\u{...}`, `\xXX`), and `+` for a space in form data.
 */
export interface Decoded {
  readonly text: string;
  /** Index just past the escape. */
  readonly end: number;
}

export function decodeAt(text: string, at: number, plus: boolean, entities: EntityReader): Decoded | undefined {
  switch (text.charCodeAt(at)) {
    case 0x26: return entities.read(text, at);
    case 0x25: return byteEscape(text, at, PERCENT);
    case 0x5c: return backslashEscape(text, at);
    default: return plus ? { text: ' ', end: at + 1 } : undefined;
  }
}

/** HTML character references through the `entities` decoder: every HTML5 name, numeric ones, legacy names without `;`. */
export class EntityReader {
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

/** `\uXXXX` (a code unit; a pair of them spelling a surrogate pair is read together), `\u{...}` and `\xXX`. */
function backslashEscape(text: string, at: number): Decoded | undefined {
  const kind = text.charCodeAt(at + 1);
  if (kind === 0x78) return byteEscape(text, at, BACKSLASH_X);
  if (kind !== 0x75) return undefined;
  if (text.charCodeAt(at + 2) === 0x7b) {
    // At most six hex digits: look no further (indexOf could search the rest of the text each time).
    let close = at + 3;
    while (close < at + 10 && close < text.length && text.charCodeAt(close) !== 0x7d) close++;
    if (text.charCodeAt(close) !== 0x7d || close === at + 3) return undefined;
    const codePoint = hexValue(text, at + 3, close);
    return codePoint < 0 || codePoint > 0x10ffff ? undefined : { text: String.fromCodePoint(codePoint), end: close + 1 };
  }
  const unit = hexValue(text, at + 2, at + 6);
  if (unit < 0) return undefined;
  // A surrogate pair spelled as two escapes is one character, to be folded as one.
  if (unit >= 0xd800 && unit <= 0xdbff && text.charCodeAt(at + 6) === 0x5c && text.charCodeAt(at + 7) === 0x75) {
    const low = hexValue(text, at + 8, at + 12);
    if (low >= 0xdc00 && low <= 0xdfff) return { text: String.fromCharCode(unit, low), end: at + 12 };
  }
  return { text: String.fromCharCode(unit), end: at + 6 };
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

