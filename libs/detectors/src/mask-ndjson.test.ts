import { describe, expect, it } from 'vitest';
import { maskBody, type MaskingProfile } from './index.js';

const profile: MaskingProfile = { name: 'nd', detectors: ['email', 'card'], fields: ['password'], columns: [], styles: { email: 'redact', card: 'redact' } };
const EMAIL = '"[REDACTED:email]"';

describe('NDJSON', () => {
  it.each(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'])(
    'masks each line of %s as JSON, keeping line ends and blank lines',
    (type) => {
      const body = '{"e":"jo@example.com"}\n\n  \n{"password":"x","n":4.111111111111111e15}\r\n[1,2]\n';
      expect(maskBody(body, type, profile)).toEqual({
        text: `{"e":${EMAIL}}\n\n  \n{"password":"[REDACTED]","n":"[REDACTED:card]"}\r\n[1,2]\n`,
        findings: { email: 1, field: 1, card: 1 },
      });
    },
  );

  it('gives a clean body back as it was', () => {
    const body = '{"a": 1}\n{"b": [1.50, "x"]}\n';
    expect(maskBody(body, 'application/x-ndjson', profile).text).toBe(body);
    expect(maskBody('', 'application/x-ndjson', profile).text).toBe('');
  });

  it('refuses the whole body when a line is not JSON, naming the line and quoting nothing', () => {
    const body = '{"e":"jo@example.com"}\n{"ok":true}\njo@example.com 4111111111111111\n';
    let error: unknown;
    try {
      maskBody(body, 'application/x-ndjson', profile);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'MaskingError', code: 'INVALID_JSON' });
    expect((error as Error).message).toMatch(/^Line 3 /);
    expect((error as Error).message).not.toMatch(/jo@|4111/);
  });
});

describe('JSON text sequences (RFC 7464)', () => {
  it('masks each RS-separated record', () => {
    const body = '\u001e{"e":"jo@example.com"}\n\u001e{"password":1}\n\u001e"plain"\n';
    expect(maskBody(body, 'application/json-seq', profile)).toEqual({
      text: `\u001e{"e":${EMAIL}}\n\u001e{"password":"[REDACTED]"}\n\u001e"plain"\n`,
      findings: { email: 1, field: 1 },
    });
    expect(maskBody('\u001e{"e":"jo@example.com"}\n', 'application/geo+json-seq', profile).findings).toEqual({ email: 1 });
  });

  it('refuses a record that is not JSON, and text before the first separator', () => {
    expect(() => maskBody('\u001e{"a":1}\n\u001e{"b":\n', 'application/json-seq', profile)).toThrow(expect.objectContaining({ code: 'INVALID_JSON', message: expect.stringMatching(/^Record 2 /) }));
    expect(() => maskBody('{"a":"jo@example.com"}\n', 'application/json-seq', profile)).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
  });
});
