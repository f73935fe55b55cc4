import { describe, expect, it } from 'vitest';
import { maskingProfileFromProto } from './masking-profile.mappers.js';

describe('maskingProfileFromProto', () => {
  it('carries detectors, field rules and column rules into the domain profile', () => {
    expect(maskingProfileFromProto({ name: 'hr', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', '"Payroll".*.iban'] })).toEqual({
      ok: true,
      profile: { name: 'hr', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', '"Payroll".*.iban'] },
    });
  });

  it('reads a profile from a masking service that sends no column rules as having none', () => {
    expect(maskingProfileFromProto({ name: 'p', detectors: [], fields: [], columns: [] })).toEqual({ ok: true, profile: { name: 'p', detectors: [], fields: [], columns: [] } });
  });

  it('drops a profile it cannot apply as written, naming every problem', () => {
    expect(maskingProfileFromProto({ name: 'p', detectors: ['email', 'passport'], fields: [], columns: ['ssn', 'users.ssn', 't."x'] })).toEqual({
      ok: false,
      problems: ['unknown detector "passport"', 'column pattern "ssn" has 1 part; use table.column or schema.table.column', 'column pattern "t.\\"x" has an unterminated quoted part'],
    });
  });
});
