import { describe, expect, it } from 'vitest';
import type { MaskingProfile } from '@portcullis/detectors';
import { resolveProfile } from './masking.js';

const key = new Uint8Array(32).fill(3);
const profiles = new Map<string, MaskingProfile>([
  ['cards', { name: 'cards', detectors: ['card'], fields: ['password'], columns: [] }],
  ['tokens', { name: 'tokens', detectors: ['card', 'email'], fields: ['Password', 'customer_id'], columns: ['t.c'], styles: { card: 'tokenise', email: 'tokenise', field: 'tokenise' }, tokenKey: key }],
  ['redacting', { name: 'redacting', detectors: ['email'], fields: [], columns: [], styles: { email: 'redact' } }],
]);

describe('resolveProfile', () => {
  it('returns a single profile as it is', () => {
    expect(resolveProfile(profiles, ['cards'])).toEqual({ ok: true, profile: profiles.get('cards') });
  });

  it('combines profiles, each style the one that reveals least, a default included', () => {
    const resolved = resolveProfile(profiles, ['cards', 'tokens', 'redacting']);
    expect(resolved).toEqual({
      ok: true,
      profile: {
        name: 'cards+tokens+redacting',
        detectors: ['card', 'email'],
        fields: ['password', 'Password', 'customer_id'],
        columns: ['t.c'],
        styles: { card: 'tokenise', email: 'redact' },
        // "cards" redacts password by default: tokens' tokenise does not weaken that.
        fieldStyles: { password: 'redact', customer_id: 'tokenise' },
        tokenKey: key,
      },
    });
  });

  it('refuses when a named profile is not available', () => {
    expect(resolveProfile(profiles, ['cards', 'nope'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });
});
