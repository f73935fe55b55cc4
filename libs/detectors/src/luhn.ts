import { isDigit } from './char-class.js';

/**
 * Luhn (mod 10) check over a string made only of ASCII digits.
 * Returns false for an empty string or any non-digit character, so callers
 * cannot accidentally validate formatted input.
 */
export function luhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  for (let i = 0; i < digits.length; i++) {
    if (!isDigit(digits.charCodeAt(i))) return false;
  }
  return luhnValidIgnoringSeparators(digits, 0, digits.length);
}

/**
 * Luhn check over the digits in `text[start, end)`, skipping any other
 * characters. Works in place so detectors can validate a candidate such as
 * `4111 1111 1111 1111` without slicing or stripping it first.
 */
export function luhnValidIgnoringSeparators(text: string, start: number, end: number): boolean {
  let sum = 0;
  let count = 0;
  // Walk right to left: Luhn doubles every second digit counted from the check digit.
  for (let i = end - 1; i >= start; i--) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) continue;
    const digit = code - 0x30;
    if (count % 2 === 1) {
      const doubled = digit * 2;
      sum += doubled > 9 ? doubled - 9 : doubled;
    } else {
      sum += digit;
    }
    count++;
  }
  return count > 0 && sum % 10 === 0;
}

/** Luhn check over `length` digit values (0–9) in `digits`: the detectors' allocation-free form. */
export function luhnValidDigitValues(digits: Uint8Array, length: number): boolean {
  let sum = 0;
  for (let i = length - 1, doubled = false; i >= 0; i--, doubled = !doubled) {
    const digit = digits[i]!;
    if (doubled) sum += digit > 4 ? digit * 2 - 9 : digit * 2;
    else sum += digit;
  }
  return length > 0 && sum % 10 === 0;
}
