import { describe, expect, it } from 'vitest';
import { isAuditReader, requestIdProblem } from './index.js';

describe('isAuditReader', () => {
  it('admits a principal in any reader group', () => {
    expect(isAuditReader(['agents', 'auditors'], ['security', 'auditors'])).toBe(true);
  });

  it('refuses everyone else, and everyone when no reader group is configured', () => {
    expect(isAuditReader(['agents'], ['auditors'])).toBe(false);
    expect(isAuditReader([], ['auditors'])).toBe(false);
    expect(isAuditReader(['auditors'], [])).toBe(false);
  });
});

describe('requestIdProblem', () => {
  it('accepts 1 to 128 characters', () => {
    expect(requestIdProblem('r')).toBeUndefined();
    expect(requestIdProblem('r'.repeat(128))).toBeUndefined();
  });

  it('explains an empty or too long id', () => {
    expect(requestIdProblem('')).toBe('request_id is required');
    expect(requestIdProblem('r'.repeat(129))).toBe('request_id is longer than 128 characters');
  });
});
