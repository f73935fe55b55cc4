import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MaskingProfile } from '@portcullis/detectors';
import { resolveProfile } from '../domain/masking.js';
import { maskBody, maskHeaders } from './http-masking.js';

const profile = { name: 'default', detectors: ['email', 'card'] as const, fields: [], columns: [] };
const cards = { name: 'cards', detectors: ['card'] as const, fields: [], columns: ['cards.number'] };
const emails = { name: 'emails', detectors: ['email'] as const, fields: ['secret'], columns: ['hr.users.ssn', 'cards.number'] };
const profiles = new Map<string, MaskingProfile>([['default', profile], ['cards', cards], ['emails', emails]]);
const body = Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111"}');
const LIMIT = 1 << 20;

const resolved = (names: string[]) => {
  const r = resolveProfile(profiles, names);
  if (!r.ok) throw new Error('profile not resolved');
  return r.profile;
};

describe('maskBody', () => {
  it('masks with the profile', () => {
    const out = maskBody(resolved(['default']), 'application/json', 'identity', body, LIMIT);
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111"}');
  });

  it('applies every profile named, combined', () => {
    const out = maskBody(resolved(['cards', 'emails']), 'application/json', 'identity', Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111","secret":"x"}'), LIMIT);
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111","secret":"[REDACTED]"}');
  });

  it('combines the column rules too (SQL masking reads them; HTTP ignores them)', () => {
    expect(resolved(['cards', 'emails'])).toMatchObject({ name: 'cards+emails', detectors: ['card', 'email'], fields: ['secret'], columns: ['cards.number', 'hr.users.ssn'] });
    const out = maskBody(resolved(['cards', 'emails']), 'application/json', 'identity', Buffer.from('{"number":"12"}'), LIMIT);
    expect(out.ok && out.body.toString()).toBe('{"number":"12"}');
  });

  it('refuses when a profile is not available (never loaded, or unknown)', () => {
    expect(resolveProfile(profiles, ['cards', 'missing'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
    expect(resolveProfile(new Map(), ['default'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });

  it('masks compressed bodies (they used to be refused), sending them identity-coded', () => {
    const masked = '{"email":"a***@example.com","card":"**** **** **** 1111"}';
    for (const [coding, bytes] of [['gzip', gzipSync(body)], ['br', brotliCompressSync(body)], ['gzip, br', brotliCompressSync(gzipSync(body))]] as const) {
      const out = maskBody(profile, 'application/json', coding, bytes, LIMIT);
      expect(out).toMatchObject({ ok: true, contentType: 'application/json', findings: { email: 1, card: 1 } });
      expect(out.ok && out.body.toString()).toBe(masked);
    }
  });

  it('reads a body in its charset and says charset=utf-8 for what it sends', () => {
    const out = maskBody(profile, 'text/plain; charset=utf-16le', 'identity', Buffer.from('ada@example.com', 'utf16le'), LIMIT);
    expect(out).toMatchObject({ ok: true, contentType: 'text/plain;charset=utf-8' });
    expect(out.ok && out.body.toString()).toBe('a***@example.com');
  });

  it('refuses binary, unreadable, undecodable and oversized bodies', () => {
    expect(maskBody(profile, 'image/png', 'identity', body, LIMIT)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'application/json', 'identity', Buffer.from('{"a":'), LIMIT)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'application/json', 'zstd', body, LIMIT)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'application/json', 'gzip', body, LIMIT)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'application/json', 'identity', gzipSync(body), LIMIT)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskBody(profile, 'text/plain', 'gzip', gzipSync(Buffer.alloc(LIMIT + 1, 0x61)), LIMIT)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_TOO_LARGE' } });
  });
});

describe('maskHeaders', () => {
  it('masks header values with the detectors of every profile', () => {
    const out = maskHeaders(resolved(['cards', 'emails']), { 'x-user-email': 'ada@example.com', location: '/cards/4111111111111111', 'set-cookie': ['a=1', 'b=ada@example.com'], 'content-type': 'application/json' });
    expect(out.headers).toEqual({ 'x-user-email': 'a***@example.com', location: '/cards/************1111', 'set-cookie': ['a=1', 'b=a***@example.com'], 'content-type': 'application/json' });
    expect(out.findings).toBe(3);
  });
});
