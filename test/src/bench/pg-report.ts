import { pgErrorsOf, PG_MODES, type PgMeasurement, type PgMode } from './pg-measure.js';
import type { PgSection } from './pg-section.js';
import { PG_TARGET_DESCRIPTIONS, PG_TARGET_NAMES, type PgTargetName } from './pg-targets.js';
import { known, ms, pct, signed, table, type Verdict } from './report-format.js';

/** One round of the PostgreSQL section; rows with errors count as missing. */
class PgRoundView {
  constructor(
    readonly round: number,
    private readonly all: readonly PgMeasurement[],
  ) {}

  get(target: PgTargetName, mode: PgMode): PgMeasurement | undefined {
    const m = this.all.find((x) => x.round === this.round && x.target === target && x.mode === mode);
    return m?.result && !pgErrorsOf(m) ? m : undefined;
  }

  tpsRatio(a: PgTargetName, b: PgTargetName): number {
    const x = this.get(a, 'concurrent')?.result;
    const y = this.get(b, 'concurrent')?.result;
    return x && y ? x.summary.tps / y.summary.tps : Number.NaN;
  }

  added(a: PgTargetName, b: PgTargetName, figure: 'p50' | 'p99'): number {
    const x = this.get(a, 'sequential')?.result?.latency;
    const y = this.get(b, 'sequential')?.result?.latency;
    return x && y ? x[figure] - y[figure] : Number.NaN;
  }
}

/** The PostgreSQL budgets of ARCHITECTURE.md "Performance budget", for one round. */
export function pgBudgets(section: PgSection, round: number): [string, Verdict][] {
  const view = new PgRoundView(round, section.measurements);
  const ratio = view.tpsRatio('gateway', 'pgbouncer');
  const p50 = view.added('gateway', 'pgbouncer', 'p50');
  return [
    ['PostgreSQL (pgbench -S) throughput with 16 clients ≥ 25 % of pgbouncer', known(ratio, ratio >= 0.25, pct(ratio))],
    ['PostgreSQL (pgbench -S) sequential ≤ 1 ms per statement above pgbouncer (p50)', known(p50, p50 <= 1, `${signed(p50)} ms`)],
  ];
}

const problemsCell = (m: PgMeasurement) => {
  const errors = pgErrorsOf(m);
  return errors ? `⚠ ${errors.replace(/\|/g, '\\|')}` : '0';
};

function sequentialTable(section: PgSection): string {
  const rows: string[][] = [];
  for (const m of ordered(section, 'sequential')) {
    const r = m.result;
    const l = r?.latency;
    rows.push([m.target, String(m.round), r ? r.summary.tps.toFixed(0) : '–', ms(l?.p50 ?? NaN), ms(l?.p90 ?? NaN), ms(l?.p99 ?? NaN), ms(l?.max ?? NaN), r ? String(r.summary.transactions) : '–', problemsCell(m)]);
  }
  return table(['target', 'round', 'tps', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'transactions', 'failures'], rows);
}

function concurrentTable(section: PgSection): string {
  const rows: string[][] = [];
  for (const m of ordered(section, 'concurrent')) {
    const s = m.result?.summary;
    rows.push([m.target, String(m.round), s ? s.tps.toFixed(0) : '–', ms(s?.latencyAverageMs ?? NaN), ms(s?.connectionMs ?? NaN), s ? String(s.transactions) : '–', problemsCell(m)]);
  }
  return table(['target', 'round', 'tps', 'latency avg ms', 'initial connection ms', 'transactions', 'failures'], rows);
}

function ordered(section: PgSection, mode: PgMode): PgMeasurement[] {
  return PG_TARGET_NAMES.flatMap((t) => section.measurements.filter((m) => m.target === t && m.mode === mode).sort((a, b) => a.round - b.round));
}

export interface PgReportSettings {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
}

/** The report's PostgreSQL section (its budgets go in the report's budget table). */
export function renderPgSection(section: PgSection, settings: PgReportSettings): string {
  const rounds = Array.from({ length: settings.rounds }, (_, i) => new PgRoundView(i + 1, section.measurements));
  const status = (t: PgTargetName) => (section.notMeasured[t] ? `**not measured:** ${section.notMeasured[t]!.replace(/\|/g, '\\|')}` : 'measured');
  const comparison = table(
    ['', ...rounds.map((r) => `round ${r.round}`)],
    [
      ['gateway tps, % of pgbouncer (16 clients)', ...rounds.map((r) => pct(r.tpsRatio('gateway', 'pgbouncer')))],
      ['gateway tps, % of direct (16 clients)', ...rounds.map((r) => pct(r.tpsRatio('gateway', 'direct')))],
      ['pgbouncer tps, % of direct (16 clients)', ...rounds.map((r) => pct(r.tpsRatio('pgbouncer', 'direct')))],
      ['gateway sequential p50 − pgbouncer, ms', ...rounds.map((r) => signed(r.added('gateway', 'pgbouncer', 'p50')))],
      ['gateway sequential p99 − pgbouncer, ms', ...rounds.map((r) => signed(r.added('gateway', 'pgbouncer', 'p99')))],
      ['pgbouncer sequential p50 − direct, ms', ...rounds.map((r) => signed(r.added('pgbouncer', 'direct', 'p50')))],
    ],
  );
  const order = section.order.length > 0 ? section.order.join(' → ') : '(none measured)';
  return `## PostgreSQL (pgbench -S)

The same \`pgbench -S\` (its built-in select-only script: one \`SELECT abalance FROM pgbench_accounts
WHERE aid = :aid\` per transaction, simple query protocol, \`-n\`: no vacuum first) against a database
of the bench's own, filled with \`pgbench -i -s ${section.scale}\` (${(section.scale * 100_000).toLocaleString('en-US')} accounts), in the same run as the
HTTP section. pgbench is the load generator, a separate process; no leg uses TLS. Each measured run
(${settings.seconds} s) follows a ${settings.warmupSeconds} s warm-up of the same target with the same clients; ${settings.rounds} round(s), each all
sequential runs then all 16-client runs, in the order ${order}, reversed every other round; after
each gateway run the bench waits for audit to settle, as above. Sequential percentiles are
nearest-rank over every transaction of pgbench's per-transaction log (\`-l\`); throughput is pgbench's
tps without the initial connection time. Before the rounds each target must answer pgbench's
start-up \`select count(*) from pgbench_branches\` and one \`-S\` statement; one that cannot is not
measured. Rows with failed transactions, aborted clients or a non-zero exit are marked and left
out of ratios and budgets.

${table(
  ['target', 'what it does', 'status'],
  PG_TARGET_NAMES.map((t) => [t, PG_TARGET_DESCRIPTIONS[t], status(t)]),
  3,
)}

### ${PG_MODES.sequential.title}, ${settings.seconds} s

${sequentialTable(section)}

### ${PG_MODES.concurrent.title}, ${settings.seconds} s

${concurrentTable(section)}

### PostgreSQL side by side

${comparison}
`;
}
