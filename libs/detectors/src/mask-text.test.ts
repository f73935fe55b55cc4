import { describe, expect, it } from 'vitest';
import { DETECTOR_IDS, MaskingError, maskText, type DetectorId, type MaskingProfile } from './index.js';

const all: MaskingProfile = { name: 'all', detectors: ['email', 'card'], fields: [], columns: [] };

describe('maskText', () => {
  it('applies every detector of the profile and counts findings per detector', () => {
    const text = 'jo@example.com paid with 4111 1111 1111 1111, order 1234567812345678, cc ann@example.org';
    expect(maskText(text, all)).toEqual({
      text: 'j***@example.com paid with **** **** **** 1111, order 1234567812345678, cc a***@example.org',
      findings: { email: 2, card: 1 },
    });
  });

  it('only runs the detectors named by the profile', () => {
    const text = 'jo@example.com 4111111111111111';
    expect(maskText(text, { name: 'cards', detectors: ['card'], fields: [], columns: [] }).text).toBe('jo@example.com ************1111');
    expect(maskText(text, { name: 'none', detectors: [], fields: [], columns: [] })).toEqual({ text, findings: {} });
  });

  it('resolves overlaps in favour of the earlier, longer match regardless of detector order', () => {
    const text = '4111111111111111@example.com';
    const reversed: MaskingProfile = { name: 'reversed', detectors: ['card', 'email'], fields: [], columns: [] };
    expect(maskText(text, all)).toEqual({ text: '4***@example.com', findings: { email: 1 } });
    expect(maskText(text, reversed)).toEqual({ text: '4***@example.com', findings: { email: 1 } });
  });

  it('ignores duplicate detector ids', () => {
    const profile: MaskingProfile = { name: 'dup', detectors: ['card', 'card'], fields: [], columns: [] };
    expect(maskText('4111111111111111', profile).findings).toEqual({ card: 1 });
  });

  it('throws UNKNOWN_DETECTOR for a detector id it does not know', () => {
    const profile: MaskingProfile = { name: 'typo', detectors: ['email', 'passport' as DetectorId], fields: [], columns: [] };
    expect(() => maskText('x', profile)).toThrow(MaskingError);
    expect(() => maskText('x', profile)).toThrow(expect.objectContaining({ code: 'UNKNOWN_DETECTOR' }));
    const inherited: MaskingProfile = { name: 'proto', detectors: ['toString' as DetectorId], fields: [], columns: [] };
    expect(() => maskText('x', inherited)).toThrow(expect.objectContaining({ code: 'UNKNOWN_DETECTOR' }));
  });

  it('exposes the detector ids', () => {
    expect(DETECTOR_IDS).toEqual(['email', 'card', 'iban', 'phone', 'ssn', 'secret']);
    expect(Object.isFrozen(DETECTOR_IDS)).toBe(true);
  });
});
