/** What `npm run bench` is asked to do, from the environment. */
export interface BenchConfig {
  /** Length of each measured wrk run. */
  readonly seconds: number;
  /** Length of the wrk warm-up before each measured run (same target, same connections). */
  readonly warmupSeconds: number;
  /** How many times the whole set of targets is measured; the order is reversed every other round. */
  readonly rounds: number;
  /** Sequential node:http requests sampled for the gateway's server-timing breakdown. */
  readonly stageSamples: number;
  /** Upper bound on waiting for the audit row count to stop growing after a gateway run. */
  readonly auditWaitSeconds: number;
}

const SPECS: Record<keyof BenchConfig, { env: string; fallback: number; min: number; max: number }> = {
  seconds: { env: 'BENCH_SECONDS', fallback: 10, min: 1, max: 600 },
  warmupSeconds: { env: 'BENCH_WARMUP_SECONDS', fallback: 2, min: 1, max: 60 },
  rounds: { env: 'BENCH_ROUNDS', fallback: 2, min: 1, max: 10 },
  stageSamples: { env: 'BENCH_STAGE_SAMPLES', fallback: 500, min: 10, max: 100_000 },
  auditWaitSeconds: { env: 'BENCH_AUDIT_WAIT_SECONDS', fallback: 60, min: 5, max: 600 },
};

/** Parses every BENCH_* variable; reports all invalid ones at once. */
export function loadBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const problems: string[] = [];
  const config: Partial<Record<keyof BenchConfig, number>> = {};
  for (const [key, spec] of Object.entries(SPECS) as [keyof BenchConfig, (typeof SPECS)[keyof BenchConfig]][]) {
    const raw = env[spec.env];
    const value = raw === undefined || raw === '' ? spec.fallback : Number(raw);
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) problems.push(`${spec.env} must be an integer from ${spec.min} to ${spec.max} (got ${JSON.stringify(raw)})`);
    config[key] = value;
  }
  if (problems.length > 0) throw new Error(`invalid bench settings:\n  ${problems.join('\n  ')}`);
  return Object.freeze(config as BenchConfig);
}

/** The settings as their variables, for the report. */
export function describeConfig(config: BenchConfig): string {
  return (Object.keys(SPECS) as (keyof BenchConfig)[]).map((key) => `${SPECS[key].env}=${config[key]}`).join(' ');
}
