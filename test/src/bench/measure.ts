import type { AuditLag, AuditProbe } from './audit.js';
import type { BenchConfig } from './config.js';
import type { Cleanup } from './processes.js';
import type { Target, TargetName } from './targets.js';
import { runWrk, type WrkResult } from './wrk.js';

export const MODES = {
  sequential: { threads: 1, connections: 1, title: 'Sequential (wrk -t1 -c1)' },
  concurrent: { threads: 2, connections: 16, title: '16 connections (wrk -t2 -c16)' },
} as const;
export type Mode = keyof typeof MODES;

/** One measured wrk run of one target, with the warm-up before it. */
export interface Measurement {
  readonly round: number;
  readonly mode: Mode;
  readonly target: TargetName;
  readonly result: WrkResult;
  readonly warmup: WrkResult;
  /** Gateway runs only: how audit kept up with the measured window. */
  readonly audit?: AuditLag;
}

/** Non-2xx answers or socket errors in the run or its warm-up; such a row is not a valid figure. */
export function errorsOf(m: Measurement): string | undefined {
  const parts: string[] = [];
  const add = (what: string, r: WrkResult) => {
    if (r.non2xx > 0) parts.push(`${r.non2xx} non-2xx${what}`);
    if (r.socketErrors > 0) parts.push(`${r.socketErrors} socket errors${what}`);
  };
  add('', m.result);
  add(' in warm-up', m.warmup);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export interface MeasureContext {
  readonly config: BenchConfig;
  readonly cleanup: Cleanup;
  readonly audit: AuditProbe;
  /** Private directory for wrk's header script. */
  readonly dir: string;
  readonly say: (line: string) => void;
}

/**
 * Every mode × target, `rounds` times; odd rounds in the given order, even rounds reversed, so slow
 * drift of a shared machine hits every target alike. After any gateway run (warm-up included) the
 * bench waits until audit has stopped writing, so its backlog never runs under another target.
 */
export async function measureRounds(ctx: MeasureContext, targets: readonly Target[]): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (let round = 1; round <= ctx.config.rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const mode of Object.keys(MODES) as Mode[]) {
      for (const target of order) out.push(await measureOne(ctx, round, mode, target));
    }
  }
  return out;
}

async function measureOne(ctx: MeasureContext, round: number, mode: Mode, target: Target): Promise<Measurement> {
  const { threads, connections } = MODES[mode];
  const headers = await target.headers();
  const run = (seconds: number) => runWrk(ctx.cleanup, { url: `http://127.0.0.1:${target.port}${target.path}`, headers, threads, connections, seconds, dir: ctx.dir });
  const isGateway = target.name === 'gateway';
  const warmup = await run(ctx.config.warmupSeconds);
  if (isGateway) await ctx.audit.settle(Date.now(), ctx.config.auditWaitSeconds);
  const from = new Date();
  const result = await run(ctx.config.seconds);
  const to = new Date();
  let audit: AuditLag | undefined;
  if (isGateway) audit = await ctx.audit.lag(from, to, await ctx.audit.settle(to.getTime(), ctx.config.auditWaitSeconds));
  const m: Measurement = { round, mode, target: target.name, result, warmup, ...(audit ? { audit } : {}) };
  const errors = errorsOf(m);
  ctx.say(
    `round ${round} · ${mode} · ${target.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms` +
      (audit ? `; audit ${audit.events} events, lag p99 ${audit.p99.toFixed(0)} ms${audit.settled ? '' : ', NOT settled'}` : '') +
      (errors ? `  ⚠ ${errors}` : ''),
  );
  return m;
}
