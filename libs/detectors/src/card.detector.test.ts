import { describe, expect, it } from 'vitest';
import { maskText, type MaskingProfile } from './index.js';

const cards: MaskingProfile = { name: 'cards', detectors: ['card'], fields: [], columns: [] };
const mask = (text: string): string => maskText(text, cards).text;

describe('card detector', () => {
  it('masks plain, space-grouped and dash-grouped cards, keeping the last four and separators', () => {
    expect(mask('4111111111111111')).toBe('************1111');
    expect(mask('card 4111 1111 1111 1111 ok')).toBe('card **** **** **** 1111 ok');
    expect(mask('card 4111-1111-1111-1111 ok')).toBe('card ****-****-****-1111 ok');
  });

  it('masks 13-, 15- and 19-digit cards', () => {
    expect(mask('4222222222222')).toBe('*********2222');
    expect(mask('amex 3782 822463 10005')).toBe('amex **** ****** *0005');
    expect(mask('4512345678901234564')).toBe('***************4564');
  });

  it('leaves a Luhn-invalid 16-digit order id alone', () => {
    const text = 'order 1234567812345678 shipped';
    expect(maskText(text, cards)).toEqual({ text, findings: {} });
  });

  it('leaves card-valid digits that are part of a longer digit run alone', () => {
    for (const text of ['94111111111111111', '41111111111111119', '12345678901234567890', '4111111111111111123456']) {
      expect(mask(text)).toBe(text);
    }
  });

  it('leaves card-valid digits glued to letters alone', () => {
    for (const text of ['x4111111111111111', '4111111111111111x', 'id_é4111111111111111']) {
      expect(mask(text)).toBe(text);
    }
  });

  it('accepts punctuation boundaries', () => {
    expect(mask('(4111111111111111)')).toBe('(************1111)');
    expect(mask('/cards/4111111111111111/charge')).toBe('/cards/************1111/charge');
    expect(mask('-4111111111111111.')).toBe('-************1111.');
  });

  it('finds a card next to other space-separated numbers', () => {
    expect(mask('ref 2023 4111 1111 1111 1111')).toBe('ref 2023 **** **** **** 1111');
    expect(mask('4111 1111 1111 1111 2023')).toBe('**** **** **** 1111 2023');
    expect(mask('12345678901234567890 4111111111111111')).toBe('12345678901234567890 ************1111');
  });

  it('merges overlapping valid spans so no digits of the card stay visible', () => {
    // "1004 4111 1111 1111" also passes Luhn; masking only that span would expose "1111 1111".
    expect(maskText('ref 1004 4111 1111 1111 1111', cards)).toEqual({ text: 'ref **** **** **** **** 1111', findings: { card: 1 } });
  });

  it('masks two cards in one run separately when their spans do not overlap', () => {
    expect(maskText('4111 1111 1111 1111 5105 1051 0510 5100', cards)).toEqual({
      text: '**** **** **** 1111 **** **** **** 5100',
      findings: { card: 2 },
    });
    // Here "1111 1111 1111 5555" also passes Luhn, so both cards become one masked region.
    expect(maskText('4111 1111 1111 1111 5555 5555 5555 4444', cards).text).toBe('**** **** **** **** **** **** **** 4444');
  });

  it('does not join groups with mixed separators', () => {
    expect(mask('2023-11-05 4111 1111 1111 1111')).toBe('2023-11-05 **** **** **** 1111');
  });

  it('does not treat double separators as grouping', () => {
    const text = '4111  1111  1111  1111';
    expect(mask(text)).toBe(text);
  });

  it('masks several cards and counts them', () => {
    const result = maskText('a 4111111111111111 b 5555-5555-5555-4444 c 4111111111111112', cards);
    expect(result.text).toBe('a ************1111 b ****-****-****-4444 c 4111111111111112');
    expect(result.findings).toEqual({ card: 2 });
  });
});
