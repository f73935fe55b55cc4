import { describe, expect, it } from 'vitest';
import type { MaskingProfile } from '@portcullis/detectors';
import { maskHeaders, maskResponse } from './response-masking.js';

const profile = { name: 'default', detectors: ['email', 'card'] as const, fields: [] };
const cards = { name: 'cards', detectors: ['card'] as const, fields: [] };
const emails = { name: 'emails', detectors: ['email'] as const, fields: ['secret'] };
const profiles = new Map<string, MaskingProfile>([['default', profile], ['cards', cards], ['emails', emails]]);
const body = Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111"}');

describe('maskResponse', () => {
  it('masks with the profile', () => {
    const out = maskResponse(profiles, ['default'], 'application/json', 'identity', body);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111"}');
  });

  it('applies every profile named, combined', () => {
    const out = maskResponse(profiles, ['cards', 'emails'], 'application/json', 'identity', Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111","secret":"x"}'));
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111","secret":"[REDACTED]"}');
    expect(maskResponse(profiles, ['cards', 'missing'], 'application/json', 'identity', body)).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });

  it('refuses when the profile is not available (never loaded, or unknown)', () => {
    expect(maskResponse(new Map(), ['default'], 'application/json', 'identity', body)).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });

  it('refuses compressed, binary and unreadable bodies', () => {
    expect(maskResponse(profiles, ['default'], 'application/json', 'gzip', body)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskResponse(profiles, ['default'], 'image/png', 'identity', body)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskResponse(profiles, ['default'], 'application/json', 'identity', Buffer.from('{"a":'))).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
  });
});

describe('maskHeaders', () => {
  it('masks header values with the detectors of every profile', () => {
    const out = maskHeaders(profiles, ['cards', 'emails'], { 'x-user-email': 'ada@example.com', location: '/cards/4111111111111111', 'set-cookie': ['a=1', 'b=ada@example.com'], 'content-type': 'application/json' });
    expect(out.headers).toEqual({ 'x-user-email': 'a***@example.com', location: '/cards/************1111', 'set-cookie': ['a=1', 'b=a***@example.com'], 'content-type': 'application/json' });
    expect(out.findings).toBe(3);
  });
});
