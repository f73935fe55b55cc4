import { describe, expect, it } from 'vitest';
import { maskBytes } from './mask-bytes.js';

const profile = { name: 'p', detectors: ['email', 'card'] as const, fields: ['password'], columns: [] };
const bytes = (s: string) => new TextEncoder().encode(s);

describe('maskBytes', () => {
  it('masks JSON bytes and reports findings', () => {
    const out = maskBytes(bytes('{"e":"ada@example.com","c":"4111111111111111","password":1}'), 'application/json; charset=utf-8', profile);
    expect(out).toMatchObject({ ok: true, findings: { email: 1, card: 1, field: 1 } });
    if (out.ok) expect(out.body.toString()).not.toMatch(/ada@|4111111111111111/);
  });

  it('refuses charsets and byte-order marks the detectors cannot read', () => {
    const plain = { name: 'p', detectors: ['email'] as const, fields: [], columns: [] };
    expect(maskBytes(bytes('a@b.example'), 'text/plain; charset=utf-16le', plain)).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
    expect(maskBytes(bytes('{"a":"ada+AEA-example.com"}'), 'application/json; charset="UTF-7"', profile)).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
    expect(maskBytes(new Uint8Array([0xff, 0xfe, 0x61, 0x00]), 'text/plain', plain)).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
    expect(maskBytes(bytes('ada@example.com'), 'text/plain; charset=UTF-8', plain)).toMatchObject({ ok: true });
  });

  it('passes only JSON when the profile has field rules (they cannot be applied to text)', () => {
    expect(maskBytes(bytes('{"password":"hunter2"}'), 'text/plain', profile)).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect(maskBytes(bytes('<password>hunter2</password>'), 'application/xml', profile)).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect(maskBytes(bytes('{"password":"hunter2"}'), 'application/problem+json', profile)).toMatchObject({ ok: true });
  });

  it('fails closed on bodies it cannot read', () => {
    expect(maskBytes(new Uint8Array([0xc3, 0x28]), 'application/json', profile)).toMatchObject({ ok: false, code: 'INVALID_ENCODING' });
    expect(maskBytes(bytes('x'), 'application/octet-stream', profile)).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect(maskBytes(bytes('x'), '', profile)).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect(maskBytes(bytes('{"a":'), 'application/json', profile)).toMatchObject({ ok: false, code: 'INVALID_JSON' });
    expect(maskBytes(bytes('['.repeat(20_000) + ']'.repeat(20_000)), 'application/json', profile)).toMatchObject({ ok: false });
  });
});
