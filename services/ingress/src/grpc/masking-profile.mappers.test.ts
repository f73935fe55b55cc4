import { describe, expect, it } from 'vitest';
import { maskingProfileFromProto } from './masking-profile.mappers.js';

describe('maskingProfileFromProto', () => {
  it('carries detectors, field rules and column rules into the domain profile', () => {
    expect(maskingProfileFromProto({ name: 'hr', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', '"Payroll".*.iban'], styles: {}, fieldStyles: {} })).toEqual({
      ok: true,
      profile: { name: 'hr', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', '"Payroll".*.iban'] },
    });
  });

  it('reads a profile from a masking service that sends no column rules as having none', () => {
    expect(maskingProfileFromProto({ name: 'p', detectors: [], fields: [], columns: [], styles: {}, fieldStyles: {} })).toEqual({ ok: true, profile: { name: 'p', detectors: [], fields: [], columns: [] } });
  });

  it('drops a profile it cannot apply as written, naming every problem', () => {
    expect(maskingProfileFromProto({ name: 'p', detectors: ['email', 'voice'], fields: [], columns: ['ssn', 'users.ssn', 't."x'], styles: {}, fieldStyles: {} })).toEqual({
      ok: false,
      problems: ['unknown detector "voice"', 'column pattern "ssn" has 1 part; use table.column or schema.table.column', 'column pattern "t.\\"x" has an unterminated quoted part'],
    });
  });

  it("carries styles, and adds this gateway's own token key only to a profile that tokenises", () => {
    const key = new Uint8Array(32).fill(1);
    const wire = { name: 't', detectors: ['email', 'card'], fields: ['customer_id'], columns: [], styles: { email: 'tokenise', card: 'redact' }, fieldStyles: { customer_id: 'partial' } };
    expect(maskingProfileFromProto(wire, key)).toEqual({
      ok: true,
      profile: { name: 't', detectors: ['email', 'card'], fields: ['customer_id'], columns: [], styles: { email: 'tokenise', card: 'redact' }, fieldStyles: { customer_id: 'partial' }, tokenKey: key },
    });
    expect(maskingProfileFromProto({ ...wire, styles: { card: 'redact' } }, key)).toEqual({ ok: true, profile: expect.not.objectContaining({ tokenKey: key }) });
  });

  it('drops a profile with a style it does not know, or that tokenises without a key here', () => {
    const wire = { name: 't', detectors: ['email'], fields: [], columns: [], styles: { email: 'tokenise' }, fieldStyles: {} };
    expect(maskingProfileFromProto(wire)).toEqual({ ok: false, problems: ['it tokenises, and this gateway has no masking.tokenKey'] });
    expect(maskingProfileFromProto({ ...wire, styles: { email: 'hide', voice: 'redact' } })).toEqual({
      ok: false,
      problems: ['style for unknown detector "voice"', 'unknown style "hide" for "email"'],
    });
  });
});
