import { describe, expect, it } from 'vitest';
import { MaskingError, maskText, type MaskingProfile } from './index.js';

const key = new Uint8Array(32).fill(7);
const profile = (styles: MaskingProfile['styles'], tokenKey?: Uint8Array): MaskingProfile => ({ name: 'p', detectors: ['card', 'email'], fields: [], columns: [], styles, ...(tokenKey ? { tokenKey } : {}) });

describe('masking styles', () => {
  it('partial is the default: last four digits, first letter and domain', () => {
    expect(maskText('4111 1111 1111 1111 jo@example.com', profile(undefined)).text).toBe('**** **** **** 1111 j***@example.com');
  });

  it('redact names the detector and keeps nothing', () => {
    expect(maskText('4111 1111 1111 1111 jo@example.com', profile({ card: 'redact', email: 'redact' })).text).toBe('[REDACTED:card] [REDACTED:email]');
  });

  it('tokenise gives every spelling of one value the same keyed token, and other keys other tokens', () => {
    const p = profile({ card: 'tokenise', email: 'tokenise' }, key);
    const a = maskText('4111 1111 1111 1111 / Jo@Example.com', p).text;
    const b = maskText('4111-1111-1111-1111 / jo@example.com', p).text;
    expect(a).toMatch(/^tok_card_[0-9a-f]{24} \/ tok_email_[0-9a-f]{24}$/);
    expect(b).toBe(a);
    const other = maskText('4111 1111 1111 1111', profile({ card: 'tokenise' }, new Uint8Array(32).fill(8))).text;
    expect(other).not.toBe(a.split(' ')[0]);
    expect(maskText('5555 5555 5555 4444', p).text).not.toBe(a.split(' ')[0]);
  });

  it('refuses a tokenising profile without a long enough key, and an unknown style', () => {
    expect(() => maskText('x', profile({ card: 'tokenise' }))).toThrow(MaskingError);
    expect(() => maskText('x', profile({ card: 'tokenise' }, new Uint8Array(16)))).toThrow(/at least 32 bytes/);
    expect(() => maskText('x', profile({ card: 'hide' as never }))).toThrow(/unknown style "hide"/);
  });
});
