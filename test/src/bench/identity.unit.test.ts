import { describe, expect, it } from 'vitest';
import { firstSeenClaims, type IdentityBench, type VerifyRow } from './identity.js';
import { identityProblem, renderIdentitySection } from './identity-report.js';
import { summarise } from './stats.js';

describe('summarise', () => {
  it('gives nearest-rank percentiles, the maximum and the count, whatever the order', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(summarise(samples)).toEqual({ count: 1000, p50: 500, p90: 900, p99: 990, max: 1000 });
    expect(summarise([7])).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
  });

  it('has no figures without samples', () => {
    expect(summarise([])).toEqual({ count: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN });
  });
});

describe('firstSeenClaims', () => {
  const template = { iss: 'http://127.0.0.1:1', aud: 'portcullis', sub: 'demo-agent', client_id: 'demo-agent', groups: ['agents'], jti: 'real', iat: 100, exp: 1000 };

  it('keeps the token endpoint token\'s claims and lifetime, issued now, with its own jti', () => {
    expect(firstSeenClaims(template, 'bench-1', 5000)).toEqual({ ...template, jti: 'bench-1', iat: 5000, exp: 5900 });
  });

  it('refuses a template without a lifetime', () => {
    expect(() => firstSeenClaims({ ...template, exp: undefined }, 'x', 1)).toThrow(/lifetime/);
    expect(() => firstSeenClaims({ ...template, exp: 100 }, 'x', 1)).toThrow(/lifetime/);
  });
});

const row = (p99: number, refused = 0): VerifyRow => ({ count: 2000, p50: p99 / 2, p90: p99 * 0.8, p99, max: p99 * 3, refused, ...(refused ? { refusal: 'REVOKED: this identity has been revoked' } : {}) });
const bench = (cached: VerifyRow, firstSeen: VerifyRow): IdentityBench => ({
  date: new Date('2026-12-03T10:00:00Z'),
  machine: '2 × Test CPU',
  loadBefore: '1.00 1.00 1.00',
  loadAfter: '1.50 1.00 1.00',
  settings: { cachedTokens: 64, cachedWarmup: 5000, firstSeenWarmup: 500, concurrentWarmup: 320, inFlight: 16 },
  cached,
  firstSeen,
  concurrent: { ...row(3000), perSecond: 4321.4 },
});

describe('renderIdentitySection', () => {
  it('has its heading, the date and machine, one row per path and the goals', () => {
    const text = renderIdentitySection(bench(row(4.5), row(900)));
    expect(text).toMatch(/^## Identity: Verify latency\n/);
    expect(text).toContain('2026-12-03T10:00:00.000Z on 2 × Test CPU');
    expect(text).toContain('Goals (the issue): p99 ≤ 100 µs for a cached token,\np99 ≤ 1.5 ms for a first-seen one.');
    expect(text).toContain('| cached, in process | 2.25 | 3.60 | 4.50 | 13.5 | 2,000 | 0 | p99 ≤ 100 µs: PASS (p99 4.50 µs) |');
    expect(text).toContain('| first-seen, sequential | 450.0 | 720.0 | 900.0 | 2700.0 | 2,000 | 0 | p99 ≤ 1.5 ms: PASS (p99 900.0 µs) |');
    expect(text).toContain('| first-seen, 16 in flight | 1500.0 | 2400.0 | 3000.0 | 9000.0 | 2,000 | 0 | no goal (4,321 verifications/s) |');
  });

  it('marks a missed goal, and gives no verdict to a row with refusals', () => {
    const text = renderIdentitySection(bench(row(150), row(900, 3)));
    expect(text).toContain('p99 ≤ 100 µs: **MISS** (p99 150.0 µs)');
    expect(text).toContain('| ⚠ 3 (REVOKED: this identity has been revoked) | p99 ≤ 1.5 ms: n/a (refusals) |');
  });

  it('says why when the section could not run', () => {
    expect(renderIdentitySection({ unavailable: 'no tokens to verify: boom' })).toBe('## Identity: Verify latency\n\nNot measured: no tokens to verify: boom\n');
  });
});

describe('identityProblem', () => {
  it('is nothing for a clean run, else every row with refusals or why it did not run', () => {
    expect(identityProblem(bench(row(4), row(900)))).toBeUndefined();
    expect(identityProblem(bench(row(4, 1), row(900)))).toBe('cached: 1 refused (REVOKED: this identity has been revoked)');
    expect(identityProblem({ unavailable: 'no IdP' })).toBe('no IdP');
  });
});
