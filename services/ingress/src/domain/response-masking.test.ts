import { describe, expect, it } from 'vitest';
import { maskResponse } from './response-masking.js';

const profile = { name: 'default', detectors: ['email', 'card'] as const, fields: [] };
const body = Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111"}');

describe('maskResponse', () => {
  it('masks with the profile', () => {
    const out = maskResponse(profile, 'default', 'application/json', 'identity', body);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111"}');
  });

  it('refuses when the profile is not available (never loaded, or unknown)', () => {
    expect(maskResponse(undefined, 'default', 'application/json', 'identity', body)).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });

  it('refuses compressed, binary and unreadable bodies', () => {
    expect(maskResponse(profile, 'default', 'application/json', 'gzip', body)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskResponse(profile, 'default', 'image/png', 'identity', body)).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
    expect(maskResponse(profile, 'default', 'application/json', 'identity', Buffer.from('{"a":'))).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
  });
});
