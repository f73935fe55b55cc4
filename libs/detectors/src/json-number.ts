/** Integers longer than this are not read as values (a card or a phone number glued to zeros is no card). */
const MAX_INTEGER_DIGITS = 64;

const DIGIT_0 = 0x30;
const MINUS = 0x2d;
const POINT = 0x2e;

/**
 * The integer part of what a JSON number token (already validated) denotes, as its decimal digits
 * without a sign — a fraction is dropped, as a reader truncating the value would (`4111111111111111.5`
 * holds a card as surely as the same text does) — or undefined when it is below 1 or has more than
 * 64 digits. Exact for every
 * notation (`4111111111111111.0`, `4.111111111111111e15`, `41111111111111110e-1`): the arithmetic
 * is done on the token's digits, never through a double, so integers beyond 2^53 keep every digit.
 */
export function integerDigits(json: string, start: number, end: number): string | undefined {
  let i = json.charCodeAt(start) === MINUS ? start + 1 : start;
  const intStart = i;
  while (i < end && isDigit(json.charCodeAt(i))) i++;
  if (i === end) return json.slice(intStart, end); // a plain integer: no leading zero, by the grammar
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (json.charCodeAt(i) === POINT) {
    fracStart = ++i;
    while (i < end && isDigit(json.charCodeAt(i))) i++;
    fracEnd = i;
  }
  const exponent = i < end ? exponentOf(json, i + 1, end) : 0;
  if (exponent === undefined) return undefined;
  let mantissa = json.slice(intStart, intEnd) + json.slice(fracStart, fracEnd);
  let point = intEnd - intStart + exponent;
  let zeros = 0;
  while (zeros < mantissa.length && mantissa.charCodeAt(zeros) === DIGIT_0) zeros++;
  mantissa = mantissa.slice(zeros);
  point -= zeros;
  if (mantissa === '') return '0';
  if (point <= 0) return undefined;
  if (point >= mantissa.length) return point > MAX_INTEGER_DIGITS ? undefined : mantissa + '0'.repeat(point - mantissa.length);
  return point > MAX_INTEGER_DIGITS ? undefined : mantissa.slice(0, point);
}

/** The exponent after `e`/`E`; undefined when too large to matter (the integer would be too long, or the value not one). */
function exponentOf(json: string, start: number, end: number): number | undefined {
  let i = start;
  const sign = json.charCodeAt(i);
  const negative = sign === MINUS;
  if (negative || sign === 0x2b) i++;
  while (i < end && json.charCodeAt(i) === DIGIT_0) i++;
  // Up to 9 digits fit an int; an exponent that large gives no integer of at most 64 digits either way
  // (unless the mantissa is that long, which no JSON value is).
  if (end - i > 9) return undefined;
  const value = end > i ? Number(json.slice(i, end)) : 0;
  return negative ? -value : value;
}

/**
 * Whether a JSON number token may denote an integer of at least `digits` digits: false for short
 * plain integers without slicing them (the common case in API responses).
 */
export function mayHaveDigits(json: string, start: number, end: number, digits: number): boolean {
  const sign = json.charCodeAt(start) === MINUS ? 1 : 0;
  if (end - start - sign >= digits) return true;
  for (let i = start + sign; i < end; i++) if (!isDigit(json.charCodeAt(i))) return true; // a fraction or exponent: work it out
  return false;
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= 0x39;
}
