/**
 * Decimal renderings of PostgreSQL's wide number types, written into a reused buffer so that a
 * number the detectors cannot match costs no allocation. Binary formats are the ones PostgreSQL's
 * *send functions write: int8 and money (cents, or the locale's smallest unit) as a big-endian
 * int64, float8 as an IEEE 754 double, numeric as base-10000 digits (numeric_send).
 */

import { ByteScratch } from './byte-scratch.js';

const ZERO = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;
const TWO_32 = 4294967296;

/**
 * A signed 64-bit integer given as its high (signed) and low (unsigned) 32-bit halves, without
 * BigInt (which would allocate). `withSign` false writes the magnitude only.
 */
export function writeInt64(out: ByteScratch, high: number, low: number, withSign = true): void {
  let hi = high >>> 0;
  let lo = low >>> 0;
  if (high < 0) {
    // two's complement magnitude; -2^63 comes out as 2^63, as it should
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    if (withSign) out.push(MINUS);
  }
  const start = out.length;
  // Long division by 10 over the two halves. Math.floor rather than %: % on doubles is fmod, a
  // call out of optimised code.
  do {
    const hiQuotient = Math.floor(hi / 10);
    const t = (hi - hiQuotient * 10) * TWO_32 + lo; // < 2^36: exact in a double
    hi = hiQuotient;
    lo = Math.floor(t / 10);
    out.push(ZERO + (t - lo * 10));
  } while (hi !== 0 || lo !== 0);
  out.reverseFrom(start);
}

/** int8send / cash_send: false if the value is not 8 bytes. */
export function writeBinaryInt64(out: ByteScratch, value: Buffer, withSign = true): boolean {
  if (value.length !== 8) return false;
  writeInt64(out, value.readInt32BE(0), value.readUInt32BE(4), withSign);
  return true;
}

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
const NBASE = 10000;

/**
 * numeric_send's format → the text numeric_out prints (get_str_from_var): sign, the integer part
 * without leading zeros ('0' if none), then `dscale` fraction digits. False if malformed.
 */
export function writeBinaryNumeric(out: ByteScratch, value: Buffer): boolean {
  if (value.length < 8) return false;
  const ndigits = value.readUInt16BE(0);
  const weight = value.readInt16BE(2);
  const sign = value.readUInt16BE(4);
  const dscale = value.readUInt16BE(6);
  if (value.length !== 8 + 2 * ndigits) return false;
  if (sign === NUMERIC_NAN || sign === NUMERIC_PINF || sign === NUMERIC_NINF) {
    if (ndigits !== 0) return false;
    out.pushAscii(sign === NUMERIC_NAN ? 'NaN' : sign === NUMERIC_PINF ? 'Infinity' : '-Infinity');
    return true;
  }
  if ((sign !== NUMERIC_POS && sign !== NUMERIC_NEG) || dscale > 0x3fff) return false;
  for (let d = 0; d < ndigits; d++) if (digitAt(value, ndigits, d) >= NBASE) return false;
  if (sign === NUMERIC_NEG) out.push(MINUS);
  if (weight < 0) out.push(ZERO);
  for (let d = 0; d <= weight; d++) {
    const digit = digitAt(value, ndigits, d);
    if (d === 0) writeSmall(out, digit);
    else writeFour(out, digit);
  }
  if (dscale > 0) {
    out.push(DOT);
    const end = out.length + dscale;
    for (let d = weight + 1; out.length < end; d++) writeFour(out, digitAt(value, ndigits, d));
    out.length = end; // the last group may run past dscale
  }
  return true;
}

/** Base-10000 digit `d` (0 = the most significant); zero outside the stored ones. */
function digitAt(value: Buffer, ndigits: number, d: number): number {
  return d >= 0 && d < ndigits ? value.readUInt16BE(8 + 2 * d) : 0;
}

function writeSmall(out: ByteScratch, digit: number): void {
  if (digit >= 1000) out.push(ZERO + Math.floor(digit / 1000));
  if (digit >= 100) out.push(ZERO + (Math.floor(digit / 100) % 10));
  if (digit >= 10) out.push(ZERO + (Math.floor(digit / 10) % 10));
  out.push(ZERO + (digit % 10));
}

function writeFour(out: ByteScratch, digit: number): void {
  out.push(ZERO + Math.floor(digit / 1000));
  out.push(ZERO + (Math.floor(digit / 100) % 10));
  out.push(ZERO + (Math.floor(digit / 10) % 10));
  out.push(ZERO + (digit % 10));
}

/**
 * A double as a plain decimal (never an exponent), so that a card number stored in a float8 reads
 * as its digits. Integers below 2^53 are written without allocating; anything else needs a string.
 * Infinity and NaN write nothing: they hold no digits.
 */
export function writeDouble(out: ByteScratch, value: number): void {
  if (!Number.isFinite(value)) return;
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 53) {
    writeSafeInteger(out, value);
    return;
  }
  // Exact integer digits for large integers; the shortest round-trip form otherwise. Neither
  // uses an exponent below 1e21, and from 2^53 on every double is an integer.
  out.pushAscii(Number.isInteger(value) ? BigInt(value).toString() : plainFraction(value));
}

function writeSafeInteger(out: ByteScratch, value: number): void {
  let rest = Math.abs(value);
  if (value < 0) out.push(MINUS);
  const start = out.length;
  do {
    const quotient = Math.floor(rest / 10);
    out.push(ZERO + (rest - quotient * 10));
    rest = quotient;
  } while (rest !== 0);
  out.reverseFrom(start);
}

/** String(value) for a non-integer, with a small value's exponent (1e-7) written out. */
function plainFraction(value: number): string {
  const text = String(value);
  const e = text.indexOf('e');
  if (e === -1) return text;
  const exponent = Number(text.slice(e + 1)); // negative: |value| < 1e-6 here
  const negative = value < 0;
  const mantissa = text.slice(negative ? 1 : 0, e).replace('.', '');
  return `${negative ? '-' : ''}0.${'0'.repeat(-exponent - 1)}${mantissa}`;
}

/** The digits of a text (money's text form: currency symbols and separators dropped). */
export function writeDigitsOf(out: ByteScratch, text: Buffer): void {
  for (let i = 0; i < text.length; i++) {
    const byte = text[i]!;
    if (byte >= ZERO && byte <= ZERO + 9) out.push(byte);
  }
}

/** Whether the UTF-8 text holds an exponent (float8's text form above 1e15 or below 1e-4). */
export function hasExponent(text: Buffer): boolean {
  for (let i = 0; i < text.length; i++) {
    const byte = text[i]!;
    if (byte === 0x65 || byte === 0x45) return true;
  }
  return false;
}
