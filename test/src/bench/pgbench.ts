import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './processes.js';
import { percentile } from './stats.js';

/** pgbench's end-of-run summary (PostgreSQL 15's wording). */
export interface PgbenchSummary {
  readonly clients: number;
  readonly threads: number;
  /** "number of transactions actually processed" */
  readonly transactions: number;
  /** "number of failed transactions" (0 when the line is absent, before PostgreSQL 15). */
  readonly failed: number;
  readonly latencyAverageMs: number;
  /** "initial connection time": opening every client's connection, before the clock starts. */
  readonly connectionMs: number;
  /** "tps = … (without initial connection time)" */
  readonly tps: number;
  /** Clients pgbench reports as aborted (an error it does not retry, e.g. a refused statement). */
  readonly abortedClients: number;
}

const ABORTED = /^pgbench: error: client \d+ (?:script \d+ )?aborted[^:;\n]*[:;]\s*(.*)$/gm;

/**
 * Reads pgbench's summary. Throws if it has none. A run in which no transaction completed (every
 * client aborted) has no latency, connection time or tps: those are NaN then.
 */
export function parsePgbenchOutput(output: string): PgbenchSummary {
  const need = (re: RegExp, what: string) => {
    const m = re.exec(output);
    if (!m) throw new Error(`pgbench output has no ${what}:\n${output}`);
    return Number(m[1]);
  };
  const transactions = need(/^number of transactions actually processed: (\d+)/m, 'transaction count');
  const figure = (re: RegExp, what: string) => (transactions === 0 ? Number(re.exec(output)?.[1] ?? Number.NaN) : need(re, what));
  return {
    clients: need(/^number of clients: (\d+)$/m, 'client count'),
    threads: need(/^number of threads: (\d+)$/m, 'thread count'),
    transactions,
    failed: Number(/^number of failed transactions: (\d+)/m.exec(output)?.[1] ?? 0),
    latencyAverageMs: figure(/^latency average = ([\d.]+) ms$/m, 'average latency'),
    connectionMs: figure(/^initial connection time = ([\d.]+) ms$/m, 'initial connection time'),
    tps: figure(/^tps = ([\d.]+) \(without initial connection time\)$/m, 'tps without initial connection time'),
    abortedClients: [...output.matchAll(ABORTED)].length,
  };
}

/** The first error pgbench printed, for a one-line reason: an aborted client's, else any. */
export function firstPgbenchError(output: string): string {
  const aborted = [...output.matchAll(ABORTED)][0]?.[1];
  const any = /^pgbench: error: (.*)$/m.exec(output)?.[1];
  return (aborted ?? any ?? output.trim().split('\n')[0] ?? '').trim().slice(0, 300) || 'no output';
}

/** What a per-transaction log (`-l`) says: latencies of the transactions that completed, in ms. */
export interface PgbenchLog {
  readonly latencies: number[];
  /** Transactions logged as failed (or as their failure kind) or skipped instead of a time. */
  readonly failed: number;
}

/**
 * Reads pgbench's per-transaction log lines: `client_id transaction_no time script_no time_epoch
 * time_us [schedule_lag] [retries]`, where `time` is the latency in µs, or `failed`, `serialization`,
 * `deadlock` or `skipped` instead. Throws on a line of another shape.
 */
export function parsePgbenchLog(text: string): PgbenchLog {
  const latencies: number[] = [];
  let failed = 0;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const time = fields[2];
    if (fields.length < 6 || time === undefined) throw new Error(`pgbench log line ${i + 1} is not a transaction: ${JSON.stringify(line)}`);
    if (/^\d+$/.test(time)) latencies.push(Number(time) / 1000);
    else if (['failed', 'serialization', 'deadlock', 'skipped'].includes(time)) failed++;
    else throw new Error(`pgbench log line ${i + 1} has no latency: ${JSON.stringify(line)}`);
  }
  return { latencies, failed };
}

/** Latency figures of one run, ms. */
export interface LatencyFigures {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function latencyFigures(latencies: readonly number[]): LatencyFigures {
  return { count: latencies.length, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: percentile(latencies, 100) };
}

/** Where pgbench connects and as whom. The password goes in PGPASSWORD, out of the process list. */
export interface PgbenchLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export interface PgbenchRun extends PgbenchLogin {
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
  /** Set: write per-transaction logs in this (private) directory and compute the latencies from them. */
  readonly logDir?: string;
}

export interface PgbenchResult {
  readonly summary: PgbenchSummary;
  /** From the per-transaction log, when one was asked for. */
  readonly latency?: LatencyFigures;
  /** Why the run is not a valid figure: exit status, aborted clients, failed transactions. */
  readonly problems: readonly string[];
}

/**
 * `pgbench -S` (the built-in select-only script: one `SELECT abalance FROM pgbench_accounts WHERE
 * aid = :aid` per transaction, simple query protocol), no vacuum first (-n: it is read-only).
 * Bounded: the run's own length plus 60 s. Throws only when pgbench printed no summary.
 */
export async function runPgbench(cleanup: Cleanup, run: PgbenchRun): Promise<PgbenchResult> {
  const logDir = run.logDir === undefined ? undefined : mkdtempSync(join(run.logDir, 'pgbench-log-'));
  const args = ['-S', '-n', '-M', 'simple', '-c', String(run.clients), '-j', String(run.threads), '-T', String(run.seconds), ...(logDir ? ['-l', `--log-prefix=${join(logDir, 'tx')}`] : []), ...loginArgs(run)];
  try {
    const { code, output } = await pgbench(cleanup, args, run.password, (run.seconds + 60) * 1000);
    let summary: PgbenchSummary;
    try {
      summary = parsePgbenchOutput(output);
    } catch {
      throw new Error(`pgbench ended with ${code} and no summary: ${firstPgbenchError(output)}`);
    }
    const latencies = logDir ? readLatencies(logDir) : undefined;
    const problems = [
      ...(code !== 0 ? [`pgbench exited with ${code}`] : []),
      ...(summary.abortedClients > 0 ? [`${summary.abortedClients} client(s) aborted: ${firstPgbenchError(output)}`] : []),
      ...(summary.failed > 0 ? [`${summary.failed} failed transactions`] : []),
    ];
    return { summary, ...(latencies ? { latency: latencyFigures(latencies) } : {}), problems };
  } finally {
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  }
}

/** `pgbench -i -s <scale>`: creates and fills pgbench_accounts (100,000 rows per scale unit) and the rest. */
export async function initPgbench(cleanup: Cleanup, login: PgbenchLogin, scale: number): Promise<void> {
  const { code, output } = await pgbench(cleanup, ['-i', '-s', String(scale), '-q', ...loginArgs(login)], login.password, 600_000);
  if (code !== 0) throw new Error(`pgbench -i -s ${scale} ended with ${code}:\n${output}`);
}

function loginArgs(login: PgbenchLogin): string[] {
  return ['-h', login.host, '-p', String(login.port), '-U', login.user, login.database];
}

/** One file per pgbench thread (tx.<pid>, tx.<pid>.<n>); failures are in the summary already. */
function readLatencies(dir: string): number[] {
  const latencies: number[] = [];
  for (const file of readdirSync(dir)) for (const l of parsePgbenchLog(readFileSync(join(dir, file), 'utf8')).latencies) latencies.push(l);
  return latencies;
}

async function pgbench(cleanup: Cleanup, args: string[], password: string, timeoutMs: number): Promise<{ code: number | string; output: string }> {
  cleanup.throwIfClosed();
  // Only what pgbench needs: no PG* variable of the caller's changes what is measured. Every target
  // without TLS, so each is measured on the same footing.
  const env = { PATH: process.env.PATH ?? '', PGPASSWORD: password, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'portcullis-bench' };
  const child = spawn('pgbench', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.track(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('close', (c, signal) => resolve(c ?? String(signal)));
  });
  clearTimeout(timer);
  cleanup.throwIfClosed();
  return { code, output };
}
