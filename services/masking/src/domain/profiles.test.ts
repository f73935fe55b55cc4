import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, Masker } from './profiles.js';

const masker = new Masker([{ name: 'default', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn'] }]);
const bytes = (s: string) => new TextEncoder().encode(s);

describe('Masker', () => {
  it('masks JSON and counts findings', () => {
    const out = masker.mask('default', 'application/json', bytes('[{"email":"ada@example.com","card":"4111 1111 1111 1111","password":"x"}]'));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const text = out.body.toString();
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).toContain('1111');
    expect(out.findings).toMatchObject({ email: 1, card: 1, field: 1 });
  });

  it('lists its profiles with their column rules, which masking HTTP bodies ignores', () => {
    expect(masker.list()).toEqual([{ name: 'default', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn'] }]);
    const out = masker.mask('default', 'application/json', bytes('{"ssn":"123-45-6789"}'));
    expect(out).toMatchObject({ ok: true, findings: {} });
  });

  it('reads the body in its charset and says what it sends', () => {
    const out = masker.mask('default', 'text/plain; charset=utf-16le', Buffer.from('mail ada@example.com', 'utf16le'));
    expect(out).toMatchObject({ ok: true, contentType: 'text/plain;charset=utf-8', findings: { email: 1 } });
    expect(out.ok && out.body.toString()).not.toContain('ada@example.com');
  });

  it('masks an event stream event by event', () => {
    const out = masker.mask('default', 'text/event-stream', bytes('data: {"password":"x"}\n\ndata: ada@example.com\n\n'));
    expect(out).toMatchObject({ ok: true, findings: { field: 1, email: 1 } });
    expect(out.ok && out.body.toString()).not.toMatch(/ada@example\.com|"x"/);
  });

  it('bounds the body by what the gRPC call accepts', () => {
    expect(masker.mask('default', 'text/plain', Buffer.alloc(MAX_BODY_BYTES + 1, 0x61))).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('refuses unknown profiles, binary bodies, and unsupported types', () => {
    expect(masker.mask('nope', 'text/plain', bytes('x'))).toMatchObject({ ok: false, code: 'UNKNOWN_PROFILE' });
    expect(masker.mask('default', 'text/plain', new Uint8Array([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
    expect(masker.mask('default', 'image/png', bytes('x'))).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect(masker.mask('default', 'application/json', bytes('{bad'))).toMatchObject({ ok: false, code: 'INVALID_JSON' });
  });
});
