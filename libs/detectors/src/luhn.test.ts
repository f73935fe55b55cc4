import { describe, expect, it } from 'vitest';
import { luhnValid } from './index.js';
import { luhnValidIgnoringSeparators } from './luhn.js';

describe('luhnValid', () => {
  it.each(['4111111111111111', '5555555555554444', '378282246310005', '4222222222222', '79927398713', '4512345678901234564'])(
    'accepts Luhn-valid %s',
    (digits) => expect(luhnValid(digits)).toBe(true),
  );

  it.each(['4111111111111112', '1234567812345678', '79927398710'])('rejects Luhn-invalid %s', (digits) => {
    expect(luhnValid(digits)).toBe(false);
  });

  it('rejects empty input and anything that is not only digits', () => {
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('4111-1111-1111-1111')).toBe(false);
    expect(luhnValid('411111111111111a')).toBe(false);
  });

  it('can validate a formatted range in place, skipping separators', () => {
    const text = 'card: 4111 1111 1111 1111.';
    expect(luhnValidIgnoringSeparators(text, 6, 25)).toBe(true);
    expect(luhnValidIgnoringSeparators(text, 0, 5)).toBe(false);
  });
});
