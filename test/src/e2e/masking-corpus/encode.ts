import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';

// Spellings an upstream can give a value: other digits, other separators, entities, escapes,
// charsets and compressions. Each is what a real producer emits, written by hand so the corpus
// does not depend on the library under test.

/** Zero digit of each decimal digit script used: digits are zero + value. */
export const DIGIT_ZERO = {
  fullwidth: 0xff10,
  arabicIndic: 0x0660,
  persian: 0x06f0,
  devanagari: 0x0966,
  bengali: 0x09e6,
  thai: 0x0e50,
  mathBold: 0x1d7ce,
  mathMonospace: 0x1d7f6,
} as const;

export const inDigits = (digits: string, zero: number) => [...digits].map((d) => (d >= '0' && d <= '9' ? String.fromCodePoint(zero + d.charCodeAt(0) - 48) : d)).join('');

/** Full-width forms of ASCII letters, digits and signs (U+FF01–U+FF5E). */
export const fullwidth = (text: string) => [...text].map((c) => (c > ' ' && c <= '~' ? String.fromCodePoint(c.charCodeAt(0) + 0xfee0) : c)).join('');

/** Every character between two characters of `text` joined by `sep` (digit by digit). */
export const interleave = (text: string, sep: string) => [...text].join(sep);

export const SEP = {
  nbsp: '\u00a0',
  narrowNbsp: '\u202f',
  thin: '\u2009',
  ideographic: '\u3000',
  enDash: '\u2013',
  emDash: '\u2014',
  minus: '\u2212',
  figureSpace: '\u2007',
  zwsp: '\u200b',
  softHyphen: '\u00ad',
  wordJoiner: '\u2060',
  zwnj: '\u200c',
  bom: '\ufeff',
} as const;

// ---- HTML / XML ----

export const decimalEntities = (text: string) => [...text].map((c) => `&#${c.codePointAt(0)};`).join('');
export const hexEntities = (text: string) => [...text].map((c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`).join('');
/** Numeric entities without the closing semicolon, which HTML parsers accept. */
export const entitiesNoSemicolon = (text: string) => [...text].map((c) => `&#${c.codePointAt(0)}`).join(' ').replaceAll('&#32 ', ' ');
export const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

// ---- percent / JSON escapes ----

export const percentAll = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
/** Percent-encodes only the characters named (e.g. '@' → '%40'). */
export const percentSome = (text: string, chars: string) => [...text].map((c) => (chars.includes(c) ? percentAll(c) : c)).join('');
/** A JSON string body with every UTF-16 code unit as a \uXXXX escape (astral characters as surrogate pairs). */
export const jsonEscapeAll = (text: string) => Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
export const jsonEscapeSome = (text: string, chars: string) => [...text].map((c) => (chars.includes(c) ? jsonEscapeAll(c) : c)).join('');

// ---- charsets ----

export type Charset = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'utf-16le-bom' | 'utf-16be-bom' | 'utf-32le' | 'utf-32be' | 'utf-32le-bom' | 'utf-32be-bom' | 'windows-1252' | 'latin1';

/** windows-1252's bytes 0x80–0x9F (the ones that differ from latin1), by character. */
export const CP1252: Readonly<Record<string, number>> = { '€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f };

function singleByte(text: string, table: Readonly<Record<string, number>>): Buffer {
  return Buffer.from(
    [...text].map((c) => {
      const code = table[c] ?? c.charCodeAt(0);
      if (code > 0xff || (table === CP1252 && code >= 0x80 && code <= 0x9f && !(c in table))) throw new Error(`cannot encode U+${code.toString(16)} in a single-byte charset`);
      return code;
    }),
  );
}

function utf32(text: string, littleEndian: boolean): Buffer {
  const points = [...text].map((c) => c.codePointAt(0)!);
  const out = Buffer.alloc(points.length * 4);
  points.forEach((p, i) => (littleEndian ? out.writeUInt32LE(p, i * 4) : out.writeUInt32BE(p, i * 4)));
  return out;
}

const utf16be = (text: string) => {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
};

export function encodeText(text: string, charset: Charset): Buffer {
  switch (charset) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.from(SEP.bom + text, 'utf8');
    case 'utf-16le':
      return Buffer.from(text, 'utf16le');
    case 'utf-16le-bom':
      return Buffer.from(SEP.bom + text, 'utf16le');
    case 'utf-16be':
      return utf16be(text);
    case 'utf-16be-bom':
      return utf16be(SEP.bom + text);
    case 'utf-32le':
      return utf32(text, true);
    case 'utf-32be':
      return utf32(text, false);
    case 'utf-32le-bom':
      return utf32(SEP.bom + text, true);
    case 'utf-32be-bom':
      return utf32(SEP.bom + text, false);
    case 'windows-1252':
      return singleByte(text, CP1252);
    case 'latin1':
      return singleByte(text, {});
  }
}

// ---- compression ----

export type Coding = 'gzip' | 'deflate' | 'deflate-raw' | 'br' | 'identity';

/** Compresses with one coding; `deflate-raw` is what some servers wrongly send as `deflate`. */
export function compress(body: Buffer, coding: Coding): Buffer {
  switch (coding) {
    case 'gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    case 'deflate-raw':
      return deflateRawSync(body);
    case 'br':
      return brotliCompressSync(body);
    case 'identity':
      return body;
  }
}

/** Applies codings in order, as a `Content-Encoding: a, b` header lists them (a first). */
export function compressAll(body: Buffer, codings: readonly Coding[]): Buffer {
  return codings.reduce((b, coding) => compress(b, coding), body);
}

/** The Content-Encoding token of a coding. */
export const codingName = (coding: Coding) => (coding === 'deflate-raw' ? 'deflate' : coding);

// ---- charsets no TextEncoder writes ----

/** Shift_JIS for ASCII plus full-width digits and the ideographic space (what the corpus needs). */
export function shiftJis(text: string): Buffer {
  const out: number[] = [];
  for (const c of text) {
    const p = c.codePointAt(0)!;
    if (p < 0x80) out.push(p);
    else if (p >= 0xff10 && p <= 0xff19) out.push(0x82, 0x4f + p - 0xff10);
    else if (p === 0x3000) out.push(0x81, 0x40);
    else throw new Error(`cannot encode U+${p.toString(16)} in this Shift_JIS subset`);
  }
  return Buffer.from(out);
}

/** EBCDIC code page 037 for letters, digits and a few signs, both ways. */
export const EBCDIC_037: Readonly<Record<string, number>> = (() => {
  const table: Record<string, number> = { ' ': 0x40, '.': 0x4b, '<': 0x4c, '(': 0x4d, '+': 0x4e, '&': 0x50, '!': 0x5a, '$': 0x5b, '*': 0x5c, ')': 0x5d, ';': 0x5e, '-': 0x60, '/': 0x61, ',': 0x6b, '%': 0x6c, _: 0x6d, '>': 0x6e, '?': 0x6f, ':': 0x7a, '#': 0x7b, '@': 0x7c, "'": 0x7d, '=': 0x7e, '"': 0x7f, '\n': 0x25 };
  const runs: [string, number][] = [['abcdefghi', 0x81], ['jklmnopqr', 0x91], ['stuvwxyz', 0xa2], ['ABCDEFGHI', 0xc1], ['JKLMNOPQR', 0xd1], ['STUVWXYZ', 0xe2], ['0123456789', 0xf0]];
  for (const [chars, start] of runs) [...chars].forEach((c, i) => (table[c] = start + i));
  return Object.freeze(table);
})();

export function ebcdic037(text: string): Buffer {
  return Buffer.from([...text].map((c) => {
    const b = EBCDIC_037[c];
    if (b === undefined) throw new Error(`cannot encode ${JSON.stringify(c)} in EBCDIC 037`);
    return b;
  }));
}

/** UTF-7 (RFC 2152): every non-letter-or-digit in a +base64- run of UTF-16BE. */
export function utf7(text: string): string {
  return text.replace(/[^A-Za-z0-9 ]+/g, (run) => `+${utf16be(run).toString('base64').replace(/=+$/, '')}-`);
}
