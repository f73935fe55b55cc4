import { describe, expect, it } from 'vitest';
import { maskBody, type MaskingProfile } from './index.js';

const profile: MaskingProfile = { name: 'api', detectors: ['email', 'card'], fields: ['password'], columns: [], styles: { email: 'redact', card: 'redact' } };

describe('maskBody', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'text/json', 'application/problem+json', 'application/vnd.api+json'])(
    'treats %s as JSON',
    (contentType) => {
      expect(maskBody('{"password":"x","e":"jo@example.com"}', contentType, profile)).toEqual({
        text: '{"password":"[REDACTED]","e":"[REDACTED:email]"}',
        findings: { field: 1, email: 1 },
      });
    },
  );

  it.each([
    ['application/x-ndjson', '{"password":1}\n{"e":"jo@example.com"}', '{"password":"[REDACTED]"}\n{"e":"[REDACTED:email]"}'],
    ['application/json-seq', '\u001e{"password":1}\n', '\u001e{"password":"[REDACTED]"}\n'],
    ['text/html', '<p>jo<b>@</b>example.com</p>', '<p>[REDACTED:email]<b></b></p>'],
    ['application/xhtml+xml', '<p>jo&#64;example.com</p>', '<p>[REDACTED:email]</p>'],
    ['application/x-www-form-urlencoded', 'password=x&e=jo%40example.com', 'password=%5BREDACTED%5D&e=%5BREDACTED%3Aemail%5D'],
  ])('dispatches %s to its format', (contentType, body, expected) => {
    expect(maskBody(body, contentType, profile).text).toBe(expected);
  });

  it.each(['text/plain', 'text/csv', 'text/markdown', 'text/javascript', 'application/javascript', 'application/ecmascript', 'application/yaml', 'text/x-anything'])(
    'treats %s as text through the inspection view, field rules not refusing it',
    (contentType) => {
      expect(maskBody('password: x, to jo&#64;example.com, 4111\u00a01111\u00a01111\u00a01111', `${contentType}; charset=utf-8`, profile)).toEqual({
        text: 'password: x, to [REDACTED:email], [REDACTED:card]',
        findings: { email: 1, card: 1 },
      });
    },
  );

  it.each([undefined, '', 'application/octet-stream', 'image/png', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json garbage', 'text/', 'json', 'text/event-stream', 'application/pdf', 'application/zip'])(
    'fails closed with UNSUPPORTED_CONTENT_TYPE for %j',
    (contentType) => {
      expect(() => maskBody('jo@example.com', contentType, profile)).toThrow(
        expect.objectContaining({ name: 'MaskingError', code: 'UNSUPPORTED_CONTENT_TYPE' }),
      );
    },
  );

  it('propagates INVALID_JSON for a JSON content type with an unparseable body', () => {
    expect(() => maskBody('not json', 'application/json', profile)).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
  });

  it('applies field rules to a text body that is JSON (clients parse it whatever its type), and reads other text as text', () => {
    const profile: MaskingProfile = { name: 'f', detectors: ['card'], fields: ['password'], columns: [] };
    expect(maskBody('{"password":"hunter2"}', 'text/plain', profile)).toEqual({ text: '{"password":"[REDACTED]"}', findings: { field: 1 } });
    expect(maskBody('{not json} 4111111111111111', 'text/plain', profile).text).toBe('{not json} ************1111');
  });

  it('applies field rules to nested form names by their parts (user[password], users[0][password], password[])', () => {
    const profile: MaskingProfile = { name: 'f', detectors: [], fields: ['password'], columns: [] };
    for (const name of ['user[password]', 'users[0][password]', 'password[]']) {
      expect(maskBody(`${name}=hunter2&a=b`, 'application/x-www-form-urlencoded', profile).text).toBe(`${name}=%5BREDACTED%5D&a=b`);
    }
  });
});
