import { describe, expect, it } from 'vitest';
import { bearerMatches } from './bearer.js';

describe('bearerMatches', () => {
  it('accepts exactly "Bearer <token>"', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another token', 'Bearer other'],
    ['a prefix of the token', 'Bearer s3cre'],
    ['the token with a suffix', 'Bearer s3cret2'],
    ['another scheme', 'Basic s3cret'],
    ['a lower-case scheme', 'bearer s3cret'],
    ['the bare token', 's3cret'],
    ['extra whitespace', 'Bearer  s3cret'],
  ])('refuses %s', (_, header) => {
    expect(bearerMatches(header, 's3cret')).toBe(false);
  });
});
