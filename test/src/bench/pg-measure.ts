import type { MeasureContext } from './measure.js';
import { runPgbench, type PgbenchResult } from './pgbench.js';
import { loginFor, type PgTarget, type PgTargetName } from './pg-targets.js';

export const PG_MODES = {
  sequential: { clients: 1, threads: 1, title: 'Sequential (pgbench -S -c 1 -j 1)' },
  concurrent: { clients: 16, threads: 2, title: '16 clients (pgbench -S -c 16 -j 2)' },
} as const;
export type PgMode = keyof typeof PG_MODES;

/** One measured pgbench run of one target, with the warm-up before it. */
export interface PgMeasurement {
  readonly round: number;
  readonly mode: PgMode;
  readonly target: PgTargetName;
  /** Absent when pgbench printed no summary (then `failure` says why). */
  readonly result?: PgbenchResult;
  readonly warmup?: PgbenchResult;
  readonly failure?: string;
}

/** Why a row is not a valid figure: a failure, or problems in the run or its warm-up. */
export function pgErrorsOf(m: PgMeasurement): string | undefined {
  const parts = [...(m.failure ? [m.failure] : []), ...(m.result?.problems ?? []), ...(m.warmup?.problems ?? []).map((p) => `${p} in warm-up`)];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * Every mode × target, `rounds` times, the order reversed every other round, as the HTTP section
 * does; after each gateway run (warm-up included) the bench waits until audit has stopped writing.
 * Sequential runs keep per-transaction logs for their latency percentiles.
 */
export async function measurePgRounds(ctx: MeasureContext, targets: readonly PgTarget[]): Promise<PgMeasurement[]> {
  const out: PgMeasurement[] = [];
  for (let round = 1; round <= ctx.config.rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const mode of Object.keys(PG_MODES) as PgMode[]) {
      for (const target of order) out.push(await measureOne(ctx, round, mode, target));
    }
  }
  return out;
}

async function measureOne(ctx: MeasureContext, round: number, mode: PgMode, target: PgTarget): Promise<PgMeasurement> {
  const { clients, threads } = PG_MODES[mode];
  const settle = async () => {
    if (target.name === 'gateway') await ctx.audit.settle(Date.now(), ctx.config.auditWaitSeconds);
  };
  const run = async (seconds: number) => runPgbench(ctx.cleanup, { ...(await loginFor(target)), clients, threads, seconds, ...(mode === 'sequential' ? { logDir: ctx.dir } : {}) });
  let m: PgMeasurement;
  try {
    const warmup = await run(ctx.config.warmupSeconds);
    await settle();
    const result = await run(ctx.config.seconds);
    await settle();
    m = { round, mode, target: target.name, result, warmup };
  } catch (err) {
    if (ctx.cleanup.closed) throw err;
    m = { round, mode, target: target.name, failure: (err as Error).message.split('\n').slice(0, 3).join(' ') };
  }
  const errors = pgErrorsOf(m);
  const r = m.result;
  ctx.say(
    `postgres round ${round} · ${mode} · ${target.name}: ` +
      (r ? `${r.summary.tps.toFixed(0)} tps` + (r.latency ? `, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms` : `, latency avg ${r.summary.latencyAverageMs.toFixed(3)} ms`) : 'no result') +
      (errors ? `  ⚠ ${errors}` : ''),
  );
  return m;
}
