import { describe, expect, it } from 'vitest';
import type { PgMeasurement } from './pg-measure.js';
import { pgBudgets, renderPgSection } from './pg-report.js';
import type { PgSection } from './pg-section.js';
import type { PgbenchResult } from './pgbench.js';

const result = (tps: number, p50: number, p99: number, problems: string[] = []): PgbenchResult => ({
  summary: { clients: 1, threads: 1, transactions: tps * 10, failed: 0, latencyAverageMs: p50, connectionMs: 2, tps, abortedClients: 0 },
  latency: { count: tps * 10, p50, p90: p50, p99, max: p99 },
  problems,
});
const run = (target: PgMeasurement['target'], mode: PgMeasurement['mode'], r: PgbenchResult): PgMeasurement => ({ round: 1, mode, target, result: r, warmup: result(1, 1, 1) });

describe('pgBudgets', () => {
  it('compares the gateway with pgbouncer: throughput at 16 clients and the sequential p50', () => {
    const section: PgSection = {
      scale: 10,
      order: ['direct', 'pgbouncer', 'gateway'],
      notMeasured: {},
      measurements: [run('pgbouncer', 'concurrent', result(20000, 0.5, 1)), run('gateway', 'concurrent', result(6000, 2, 5)), run('pgbouncer', 'sequential', result(9000, 0.1, 0.3)), run('gateway', 'sequential', result(1000, 0.9, 3))],
    };
    expect(pgBudgets(section, 1)).toEqual([
      [expect.stringContaining('≥ 25 % of pgbouncer'), { pass: true, value: '30.0 %' }],
      [expect.stringContaining('≤ 1 ms per statement above pgbouncer'), { pass: true, value: '+0.800 ms' }],
    ]);
  });

  it('has no verdict for a target that was not measured or a run with failures', () => {
    const section: PgSection = {
      scale: 10,
      order: ['direct', 'pgbouncer'],
      notMeasured: { gateway: 'pre-flight failed: connect ECONNREFUSED 127.0.0.1:15432' },
      measurements: [run('pgbouncer', 'concurrent', result(20000, 0.5, 1, ['3 failed transactions'])), run('pgbouncer', 'sequential', result(9000, 0.1, 0.3))],
    };
    expect(pgBudgets(section, 1).map(([, v]) => v)).toEqual([undefined, undefined]);
    const text = renderPgSection(section, { seconds: 10, warmupSeconds: 2, rounds: 1 });
    expect(text).toContain('| gateway | the whole Portcullis stack');
    expect(text).toContain('**not measured:** pre-flight failed: connect ECONNREFUSED 127.0.0.1:15432');
    expect(text).toContain('⚠ 3 failed transactions');
    expect(text).toContain('in the order direct → pgbouncer,');
  });
});
