import { describe, expect, it } from 'vitest';
import type { MaskingProfile } from '@portcullis/detectors';
import { resolveProfile } from '../domain/masking.js';
import { maskBody, maskHeaders } from './http-masking.js';

const profile = { name: 'default', detectors: ['email', 'card'] as const, fields: [], columns: [] };
const cards = { name: 'cards', detectors: ['card'] as const, fields: [], columns: ['cards.number'] };
const emails = { name: 'emails', detectors: ['email'] as const, fields: ['secret'], columns: ['hr.users.ssn', 'cards.number'] };
const profiles = new Map<string, MaskingProfile>([['default', profile], ['cards', cards], ['emails', emails]]);
const body = Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111"}');

const resolved = (names: string[]) => {
  const r = resolveProfile(profiles, names);
  if (!r.ok) throw new Error('profile not resolved');
  return r.profile;
};

describe('maskBody', () => {
  it('masks with the profile', () => {
    const out = maskBody(resolved(['default']), 'application/json', 'identity', body);
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111"}');
  });

  it('applies every profile named, combined', () => {
    const out = maskBody(resolved(['cards', 'emails']), 'application/json', 'identity', Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111","secret":"x"}'));
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111","secret":"[REDACTED]"}');
  });

  it('combines the column rules too (SQL masking reads them; HTTP ignores them)', () => {
    expect(resolved(['cards', 'emails'])).toEqual({ name: 'cards+emails', detectors: ['card', 'email'], fields: ['secret'], columns: ['cards.number', 'hr.users.ssn'] });
    const out = maskBody(resolved(['cards', 'emails']), 'application/json', 'identity', Buffer.from('{"number":"12"}'));
    expect(out.ok && out.body.toString()).toBe('{"number":"12"}');
  });

  it('refuses when a profile is not available (never loaded, or unknown)', () => {
    expect(resolveProfile(profiles, ['cards', 'missing'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
    expect(resolveProfile(new Map(), ['default'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });

  it('refuses compressed, binary and unreadable bodies', () => {
    expect(maskBody(profile, 'application/json', 'gzip', body)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'image/png', 'identity', body)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'application/json', 'identity', Buffer.from('{"a":'))).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
  });
});

describe('maskHeaders', () => {
  it('masks header values with the detectors of every profile', () => {
    const out = maskHeaders(resolved(['cards', 'emails']), { 'x-user-email': 'ada@example.com', location: '/cards/4111111111111111', 'set-cookie': ['a=1', 'b=ada@example.com'], 'content-type': 'application/json' });
    expect(out.headers).toEqual({ 'x-user-email': 'a***@example.com', location: '/cards/************1111', 'set-cookie': ['a=1', 'b=a***@example.com'], 'content-type': 'application/json' });
    expect(out.findings).toBe(3);
  });
});
