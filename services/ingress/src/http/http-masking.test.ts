import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MaskingProfile, ValueMasker } from '@portcullis/detectors';
import { resolveProfile } from '../domain/masking.js';
import { maskBody, maskerFor, maskHeaders, sha256DigestField, type Counts } from './http-masking.js';

const profile: MaskingProfile = { name: 'default', detectors: ['email', 'card'], fields: [], columns: [] };
const cards: MaskingProfile = { name: 'cards', detectors: ['card'], fields: [], columns: ['cards.number'] };
const emails: MaskingProfile = { name: 'emails', detectors: ['email'], fields: ['secret'], columns: ['hr.users.ssn', 'cards.number'] };
const profiles = new Map<string, MaskingProfile>([['default', profile], ['cards', cards], ['emails', emails]]);
const body = Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111"}');
const source = (contentType: string, contentEncoding = 'identity') => ({ contentType, contentEncoding, maxBytes: 1 << 20 });

const resolved = (names: string[]) => {
  const r = resolveProfile(profiles, names);
  if (!r.ok) throw new Error('profile not resolved');
  return r.profile;
};
const masker = (p: MaskingProfile) => {
  const m = maskerFor(p);
  if (!m.ok) throw new Error(m.refusal.message);
  return m.masker;
};

describe('maskerFor', () => {
  it('compiles a profile once while it is in use', () => {
    expect(masker(profile)).toBe(masker(profile));
    expect(masker({ ...profile })).not.toBe(masker(profile));
  });

  it('refuses a profile that cannot be applied (MASKING_FAILED), never masking nothing', () => {
    const broken = { ...profile, detectors: ['nope'] } as unknown as MaskingProfile;
    expect(maskerFor(broken)).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });
});

describe('maskBody', () => {
  it('masks with the profile', () => {
    const out = maskBody(masker(resolved(['default'])), body, source('application/json'));
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111"}');
    expect(out.ok && out.findings).toEqual({ email: 1, card: 1 });
  });

  it('applies every profile named, combined', () => {
    const out = maskBody(masker(resolved(['cards', 'emails'])), Buffer.from('{"email":"ada@example.com","card":"4111 1111 1111 1111","secret":"x"}'), source('application/json'));
    expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111","secret":"[REDACTED]"}');
  });

  it('combines the column rules too (SQL masking reads them; HTTP ignores them)', () => {
    expect(resolved(['cards', 'emails'])).toMatchObject({ name: 'cards+emails', detectors: ['card', 'email'], fields: ['secret'], columns: ['cards.number', 'hr.users.ssn'] });
    const out = maskBody(masker(resolved(['cards', 'emails'])), Buffer.from('{"number":"12"}'), source('application/json'));
    expect(out.ok && out.body.toString()).toBe('{"number":"12"}');
  });

  it('refuses when a profile is not available (never loaded, or unknown)', () => {
    expect(resolveProfile(profiles, ['cards', 'missing'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
    expect(resolveProfile(new Map(), ['default'])).toMatchObject({ ok: false, refusal: { code: 'MASKING_FAILED' } });
  });

  it('masks compressed bodies (they used to be refused), returning them identity-coded', () => {
    for (const [coding, bytes] of [['gzip', gzipSync(body)], ['br', brotliCompressSync(body)], ['gzip, br', brotliCompressSync(gzipSync(body))]] as const) {
      const out = maskBody(masker(profile), bytes, source('application/json', coding));
      expect(out).toMatchObject({ ok: true, contentType: 'application/json', findings: { email: 1, card: 1 } });
      expect(out.ok && out.body.toString()).toBe('{"email":"a***@example.com","card":"**** **** **** 1111"}');
    }
  });

  it('reads a body in its charset and returns the content type of what it sends (UTF-8)', () => {
    const out = maskBody(masker(profile), Buffer.from('ada@example.com', 'utf16le'), source('text/plain; charset=utf-16le'));
    expect(out).toMatchObject({ ok: true, contentType: 'text/plain;charset=utf-8' });
    expect(out.ok && out.body.toString()).toBe('a***@example.com');
  });

  it('refuses binary, unreadable, undecodable and oversized bodies, without quoting them', () => {
    const cases: [string, string, Buffer, string][] = [
      ['image/png', 'identity', body, 'RESPONSE_NOT_MASKABLE'],
      ['application/json', 'identity', Buffer.from('{"a":"ada@example.com"'), 'RESPONSE_NOT_MASKABLE'],
      ['application/json', 'zstd', body, 'RESPONSE_NOT_MASKABLE'],
      ['application/json', 'gzip', body, 'RESPONSE_NOT_MASKABLE'], // says gzip, is not
      ['application/json', 'identity', gzipSync(body), 'RESPONSE_NOT_MASKABLE'], // is gzip, says nothing
      ['text/plain', 'gzip', gzipSync(Buffer.alloc((1 << 20) + 1, 0x61)), 'RESPONSE_TOO_LARGE'],
    ];
    for (const [type, coding, bytes, code] of cases) {
      const out = maskBody(masker(profile), bytes, source(type, coding));
      expect(out, `${type} ${coding}`).toMatchObject({ ok: false, refusal: { code } });
      expect(JSON.stringify(out)).not.toContain('ada@example.com');
    }
  });
});

describe('maskHeaders', () => {
  const masked = (headers: Record<string, string | string[]>, p = resolved(['cards', 'emails'])) => {
    const findings: Counts = {};
    const out = maskHeaders(masker(p), headers, findings);
    return { out, findings };
  };

  it('masks header values with the detectors of every profile, counting per detector', () => {
    const { out, findings } = masked({ 'x-user-email': 'ada@example.com', location: '/cards/4111111111111111', 'set-cookie': ['a=1', 'b=ada@example.com'], link: '<mailto:bob@example.com>; rel="author"', 'content-type': 'application/json' });
    expect(out).toEqual({
      ok: true,
      headers: { 'x-user-email': 'a***@example.com', location: '/cards/************1111', 'set-cookie': ['a=1', 'b=a***@example.com'], link: '<mailto:b***@example.com>; rel="author"', 'content-type': 'application/json' },
    });
    expect(findings).toEqual({ email: 3, card: 1 });
  });

  it('adds to the counts it is given (the body’s)', () => {
    const findings: Counts = { card: 2 };
    maskHeaders(masker(profile), { 'x-card': '4111 1111 1111 1111' }, findings);
    expect(findings).toEqual({ card: 3 });
  });

  it('reads a header value under its name, a cookie value under the cookie’s name', () => {
    const seen: { text: string; key: string | undefined }[] = [];
    const real = masker(profile);
    const spy: ValueMasker = { ...real, maskText: (text, found, context) => (seen.push({ text, key: context?.key }), real.maskText(text, found, context)) };
    maskHeaders(spy, { 'x-api-key': 'k-123', 'set-cookie': 'session_token=abc; Path=/; HttpOnly' }, {});
    expect(seen.filter((s) => s.key !== undefined)).toEqual([
      { text: 'k-123', key: 'x-api-key' },
      { text: 'session_token', key: 'set-cookie' },
      { text: 'abc', key: 'session_token' },
      { text: '; Path=/; HttpOnly', key: 'set-cookie' },
    ]);
  });

  it('reads UTF-8 header bytes as UTF-8 and writes a masked value back as UTF-8 bytes', () => {
    const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1'); // how Node hands header bytes over
    const seen: string[] = [];
    const real = masker(profile);
    const spy: ValueMasker = { ...real, maskText: (text, found, context) => (seen.push(text), real.maskText(text, found, context)) };
    const findings: Counts = {};
    const out = maskHeaders(spy, { 'x-owner': latin1('Zoë <ada@example.com>'), 'x-raw': 'caf\xe9' }, findings);
    expect(seen).toContain('Zoë <ada@example.com>');
    expect(seen).toContain('caf\xe9'); // not UTF-8: read as the bytes' latin1
    expect(findings).toEqual({ email: 1 });
    expect(out.ok && Buffer.from(out.headers['x-owner'] as string, 'latin1').toString('utf8')).toBe('Zoë <a***@example.com>');
    expect(out.ok && out.headers['x-raw']).toBe('caf\xe9');
  });

  it('refuses rather than rewrites a value in a header that must stay byte-exact, or in a header name', () => {
    const cases: Record<string, string>[] = [{ 'content-type': 'text/plain; name="ada@example.com"' }, { 'cache-control': 'private, x-4111111111111111' }, { 'x-4111111111111111': '1' }];
    for (const headers of cases) {
      const { out } = masked(headers, profile);
      expect(out).toMatchObject({ ok: false, refusal: { code: 'RESPONSE_NOT_MASKABLE' } });
      expect(JSON.stringify(out)).not.toMatch(/ada@example|4111111111111111/);
    }
  });

  it('passes structural headers without values unchanged', () => {
    const headers = { 'content-type': 'application/json; charset=utf-8', date: 'Tue, 15 Nov 1994 08:12:31 GMT', 'cache-control': 'max-age=3600', vary: 'accept', 'last-modified': 'Tue, 15 Nov 1994 08:12:31 GMT' };
    expect(masked(headers, profile)).toEqual({ out: { ok: true, headers }, findings: {} });
  });

  it('with field rules only, changes nothing but what the rules name', () => {
    const fieldsOnly = masker({ name: 'fields', detectors: [], fields: ['password'], columns: [] });
    const headers = { 'x-user-email': 'ada@example.com' };
    expect(maskHeaders(fieldsOnly, headers, {})).toEqual({ ok: true, headers });
  });

  it('applies field rules to a header named by one, a cookie named by one, and the query of a URL header', () => {
    const findings: Counts = {};
    const rules = masker({ name: 'fields', detectors: ['email'], fields: ['password'], columns: [] });
    const out = maskHeaders(rules, { 'x-password': 'hunter2', password: 'hunter2', 'set-cookie': ['password=hunter2; Path=/', 'theme=dark'], location: '/login?password=hunter2&next=%2Fhome#top', 'x-other': 'hunter2' }, findings);
    expect(out).toEqual({
      ok: true,
      headers: { 'x-password': '[REDACTED]', password: '[REDACTED]', 'set-cookie': ['password=[REDACTED]; Path=/', 'theme=dark'], location: '/login?password=%5BREDACTED%5D&next=%2Fhome#top', 'x-other': 'hunter2' },
    });
    expect(findings).toEqual({ field: 4 });
  });
});

describe('sha256DigestField', () => {
  it('is RFC 9530 syntax over the bytes given (the RFC’s own example)', () => {
    expect(sha256DigestField(Buffer.from('{"hello": "world"}\n'))).toBe('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
  });
});
