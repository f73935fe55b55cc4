import type { AuditLag } from './audit.js';
import { errorsOf, MODES, type Measurement, type Mode } from './measure.js';
import type { Machine } from './machine.js';
import { pgBudgets, renderPgSection } from './pg-report.js';
import type { PgSection } from './pg-section.js';
import { known, ms, pct, signed, table, verdict, wholeMs, type Verdict } from './report-format.js';
import type { StageBreakdown } from './server-timing.js';
import { TARGET_DESCRIPTIONS, TARGET_NAMES, type TargetName } from './targets.js';

export interface ReportInput {
  readonly date: Date;
  readonly machine: Machine;
  readonly settings: string;
  readonly loadAverageAtEnd: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  /** Targets in round 1's order. */
  readonly order: readonly TargetName[];
  readonly auditWaitSeconds: number;
  /** Body bytes of one answer per target (from the pre-flight GET). */
  readonly bodyBytes: Partial<Record<TargetName, number>>;
  readonly skipped: Partial<Record<TargetName, string>>;
  readonly measurements: readonly Measurement[];
  readonly stages: StageBreakdown;
  /** The in-process policy evaluation and SQL analysis section, already rendered. */
  readonly policy: string;
  /** The in-process masking throughput section, already rendered. */
  readonly masking: string;
  /** The PostgreSQL section's measurements (same rounds, seconds and warm-up). */
  readonly pg: PgSection;
  /** The MCP tools/call section, already rendered. */
  readonly mcp: string;
  /** The identity Verify latency section, already rendered. */
  readonly identity: string;
  /** The previous file, for its hand-written analysis. */
  readonly previous: string | undefined;
}

const ANALYSIS = /<!-- analysis -->[\s\S]*?<!-- \/analysis -->/;
const PLACEHOLDER = `<!-- analysis -->
_To be written by the gateway engineer: what limits these figures (where the time goes, which stage
or process saturates first, what was tried), kept across re-runs of the bench._
<!-- /analysis -->`;

/** The marked analysis section of the previous report, else a placeholder. */
export function keptAnalysis(previous: string | undefined): string {
  return ANALYSIS.exec(previous ?? '')?.[0] ?? PLACEHOLDER;
}

class RoundView {
  constructor(
    readonly round: number,
    private readonly all: readonly Measurement[],
  ) {}

  get(target: TargetName, mode: Mode): Measurement | undefined {
    const m = this.all.find((x) => x.round === this.round && x.target === target && x.mode === mode);
    return m && !errorsOf(m) ? m : undefined;
  }

  rpsRatio(a: TargetName, b: TargetName, mode: Mode): number {
    const x = this.get(a, mode);
    const y = this.get(b, mode);
    return x && y ? x.result.rps / y.result.rps : Number.NaN;
  }

  added(a: TargetName, b: TargetName, figure: 'p50' | 'p99'): number {
    const x = this.get(a, 'sequential');
    const y = this.get(b, 'sequential');
    return x && y ? x.result[figure] - y.result[figure] : Number.NaN;
  }
}

/** The budgets of ARCHITECTURE.md "Performance budget" this bench measures, per round. */
function budgets(view: RoundView): [string, Verdict][] {
  const ratio = view.rpsRatio('gateway', 'bare-hop', 'concurrent');
  const p50 = view.added('gateway', 'bare-hop', 'p50');
  const p99 = view.added('gateway', 'bare-hop', 'p99');
  const audit = view.get('gateway', 'concurrent')?.audit;
  return [
    ['HTTP throughput at 16 connections ≥ 40 % of the bare Node hop', known(ratio, ratio >= 0.4, pct(ratio))],
    ['HTTP sequential p50 ≤ 1 ms above the bare Node hop', known(p50, p50 <= 1, `${signed(p50)} ms`)],
    ['HTTP sequential p99 ≤ 4 ms above the bare Node hop', known(p99, p99 <= 4, `${signed(p99)} ms`)],
    [
      'audit lag p99 ≤ 1 s, log settled (16 connections)',
      audit && !Number.isNaN(audit.p99) ? { pass: audit.settled && audit.p99 <= 1000, value: `p99 ${wholeMs(audit.p99)} ms${audit.settled ? '' : ', not settled'}` } : undefined,
    ],
  ];
}

function runTable(input: ReportInput, mode: Mode): string {
  const rows: string[][] = [];
  for (const target of TARGET_NAMES) {
    for (const m of input.measurements.filter((x) => x.target === target && x.mode === mode).sort((a, b) => a.round - b.round)) {
      const r = m.result;
      rows.push([target, String(m.round), r.rps.toFixed(0), ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), String(r.requests), errorsOf(m) ? `⚠ ${errorsOf(m)}` : '0']);
    }
  }
  return table(['target', 'round', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'non-2xx / socket errors'], rows);
}

function auditTable(input: ReportInput): string {
  const runs = input.measurements.filter((m) => m.target === 'gateway' && m.audit).sort((a, b) => a.round - b.round || (a.mode === b.mode ? 0 : a.mode === 'sequential' ? -1 : 1));
  const col = (m: Measurement) => `round ${m.round}, ${m.mode === 'sequential' ? 'sequential' : '16 conn.'}`;
  const line = (label: string, f: (a: AuditLag, m: Measurement) => string) => [label, ...runs.map((m) => f(m.audit!, m))];
  return table(
    ['gateway run', ...runs.map(col)],
    [
      line('events recorded (occurred in the run)', (a) => String(a.events)),
      line('by type', (a) => Object.entries(a.byType).map(([t, n]) => `${t} ${n}`).join('<br>')),
      line('events per request', (a, m) => (a.events / m.result.requests).toFixed(2)),
      line('events/s produced in the run', (a) => a.perSecond.toFixed(0)),
      line('lag p50 ms', (a) => wholeMs(a.p50)),
      line('lag p99 ms', (a) => wholeMs(a.p99)),
      line('lag max ms', (a) => wholeMs(a.max)),
      line('last event committed after load end, ms', (a) => wholeMs(a.lastAfterLoadMs)),
      line('row count settled', (a) => (a.settled ? `yes (last growth seen ${wholeMs(a.lastGrowthAfterLoadMs)} ms after load end)` : `**no**, still growing after ${input.auditWaitSeconds} s`)),
    ],
  );
}

export function renderReport(input: ReportInput): string {
  const rounds = Array.from({ length: input.rounds }, (_, i) => new RoundView(i + 1, input.measurements));
  const roundHeader = ['', ...rounds.map((r) => `round ${r.round}`)];
  const comparison = table(roundHeader, [
    ['gateway throughput, % of the bare Node hop (16 conn.)', ...rounds.map((r) => pct(r.rpsRatio('gateway', 'bare-hop', 'concurrent')))],
    ['gateway throughput, % of direct (16 conn.)', ...rounds.map((r) => pct(r.rpsRatio('gateway', 'direct', 'concurrent')))],
    ['nginx throughput, % of direct (16 conn.)', ...rounds.map((r) => pct(r.rpsRatio('nginx', 'direct', 'concurrent')))],
    ['bare Node hop throughput, % of direct (16 conn.)', ...rounds.map((r) => pct(r.rpsRatio('bare-hop', 'direct', 'concurrent')))],
    ['gateway sequential p50 − bare Node hop, ms', ...rounds.map((r) => signed(r.added('gateway', 'bare-hop', 'p50')))],
    ['gateway sequential p99 − bare Node hop, ms', ...rounds.map((r) => signed(r.added('gateway', 'bare-hop', 'p99')))],
    ['gateway sequential p50 − direct, ms', ...rounds.map((r) => signed(r.added('gateway', 'direct', 'p50')))],
    ['bare Node hop sequential p50 − direct, ms', ...rounds.map((r) => signed(r.added('bare-hop', 'direct', 'p50')))],
  ]);
  const perRound = rounds.map((view) => [...budgets(view), ...pgBudgets(input.pg, view.round)]);
  const budgetTable = table(
    ['budget', ...rounds.map((r) => `round ${r.round}`)],
    perRound[0]!.map(([name], i) => [name, ...perRound.map((b) => verdict(b[i]![1]))]),
  );
  const s = input.stages;
  const stageTable = table(
    ['stage', 'median ms', 'in samples'],
    [
      ...[...s.medians].map(([stage, v]) => [stage, ms(v), `${s.counts.get(stage) ?? 0} / ${s.samples}`]),
      ['**sum of stages**', `**${ms(s.total)}**`, ''],
      ['request as the node:http client saw it', ms(s.client), ''],
    ],
  );
  const skipped = Object.entries(input.skipped).map(([t, why]) => `\n- **${t} skipped:** ${why}`).join('');
  const bytes = (t: TargetName) => (input.bodyBytes[t] === undefined ? '–' : String(input.bodyBytes[t]));

  return `# Benchmarks

Produced by \`npm run bench\` (test/src/bench/). Each run rewrites this file, except the analysis
section between the \`analysis\` markers, which it keeps. Everything shares one machine over
loopback — wrk and pgbench, the targets, the demo upstream, NATS and PostgreSQL — so absolute
figures are pessimistic for a real deployment; compare rows of the same run.

- **Date:** ${input.date.toISOString()}
- **Machine:** ${input.machine.summary}
- **Load average (1, 5, 15 min):** ${input.machine.loadAverage} at the start, ${input.loadAverageAtEnd} at the end (the
  load includes the bench's own; a shared machine adds noise, so compare targets within a round)
- **Load generator:** wrk ${input.machine.wrk} (Debian), a separate process; nginx ${input.machine.nginx ?? 'not installed'}. The bench
  runs \`apt-get install -y wrk nginx-light pgbouncer\` for those missing; without nginx its rows are skipped.
  PostgreSQL section: pgbench ${input.machine.pgbench ?? 'not installed'}, pgbouncer ${input.machine.pgbouncer ?? 'not installed'}.
  NATS and PostgreSQL are found as for the e2e tests (NATS_URL, DATABASE_URL, else local defaults).
- **Settings:** \`${input.settings}\`
- **Procedure:** each measured run (${input.seconds} s) follows a ${input.warmupSeconds} s wrk warm-up of the same target at
  the same concurrency. ${input.rounds} round(s), each all sequential runs then all 16-connection runs, in the
  order ${input.order.join(' → ')}, reversed every other round so machine drift hits all targets alike.
  After every gateway run the bench waits (≤ ${input.auditWaitSeconds} s) until the audit row count stops growing,
  so no backlog runs under the next target.
- **Request:** an allowed \`GET /echo\` of the demo upstream (it echoes what it received, so the
  body grows with the headers a hop adds). Every response must be 2xx: rows with non-2xx answers or
  socket errors are marked and left out of ratios and budgets (wrk counts 3xx as success; the
  pre-flight GET of each target checks for a 200 and the upstream's echo).${skipped}

## Targets

${table(
  ['target', 'what it does', 'body bytes'],
  TARGET_NAMES.map((t) => [t, TARGET_DESCRIPTIONS[t], bytes(t)]),
  2,
)}

## ${MODES.sequential.title}, ${input.seconds} s

${runTable(input, 'sequential')}

## ${MODES.concurrent.title}, ${input.seconds} s

${runTable(input, 'concurrent')}

## Same run, side by side

${comparison}

## Budgets (ARCHITECTURE.md, "Performance budget")

${budgetTable}

PostgreSQL figures: [below](#postgresql-pgbench--s); masking throughput: [below](#masking-throughput-in-process). Not measured here: audit ingest
capacity (≥ 20,000 events/s): the events/s below are what the gateway produced, not what audit can take.

## Where the gateway's time goes

Medians of the gateway's \`server-timing\` header over ${s.samples} sequential node:http requests after the
rounds (a breakdown, not a latency figure; stage names are whatever the gateway reports).

${stageTable}

## Audit lag

Rows of \`audit.events\` whose \`occurred_at\` (set by the gateway) lies in the measured window;
lag = \`recorded_at\` − \`occurred_at\`. \`recorded_at\` is \`now()\` of audit's insert transaction, its
start rather than its commit, so the lag slightly understates time to durability.

${auditTable(input)}

${renderPgSection(input.pg, input)}
${input.mcp}
${input.identity}
${input.policy}
${input.masking}
## What limits these figures

${keptAnalysis(input.previous)}
`;
}
