import { describe, expect, it } from 'vitest';
import { maskBody, type MaskingProfile } from './index.js';

const profile: MaskingProfile = { name: 'api', detectors: ['email', 'card'], fields: ['password'], columns: [] };

describe('maskBody', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json', 'application/vnd.api+json'])(
    'treats %s as JSON',
    (contentType) => {
      expect(maskBody('{"password":"x","e":"jo@example.com"}', contentType, profile)).toEqual({
        text: '{"password":"[REDACTED]","e":"j***@example.com"}',
        findings: { field: 1, email: 1 },
      });
    },
  );

  it.each(['text/plain', 'text/html; charset=utf-8', 'text/csv', 'application/xml', 'application/x-www-form-urlencoded', 'application/javascript'])(
    'treats %s as text',
    (contentType) => {
      expect(maskBody('{"password":"x"} 4111111111111111', contentType, profile)).toEqual({
        text: '{"password":"x"} ************1111',
        findings: { card: 1 },
      });
    },
  );

  it.each([undefined, '', 'application/octet-stream', 'image/png', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json garbage', 'text/', 'json'])(
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
});
