import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './processes.js';

/** What one wrk run measured. Latencies in ms. */
export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** wrk's "Non-2xx or 3xx responses" (0 when the line is absent). */
  readonly non2xx: number;
  /** connect + read + write + timeout from "Socket errors" (0 when the line is absent). */
  readonly socketErrors: number;
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_S: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

function duration(text: string, units: Record<string, number>): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`wrk: unreadable duration ${JSON.stringify(text)}`);
  return Number(m[1]) * units[m[2]!]!;
}

/** Reads wrk's human output (run with --latency). Throws if a figure the bench needs is missing. */
export function parseWrkOutput(output: string): WrkResult {
  const need = (re: RegExp, what: string) => {
    const m = re.exec(output);
    if (!m) throw new Error(`wrk output has no ${what}:\n${output}`);
    return m;
  };
  const percentile = (p: number) => duration(need(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm'), `${p}% latency`)[1]!, UNIT_MS);
  const total = need(/^\s*(\d+) requests in (\S+),/m, 'request count');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: duration(total[2]!, UNIT_S),
    rps: Number(need(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec')[1]),
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
    max: duration(need(/^[ \t]*Latency[ \t]+\S+[ \t]+\S+[ \t]+(\S+)/m, 'latency max')[1]!, UNIT_MS),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** Lua for wrk that only sets request headers: credentials stay out of the process list. */
export function headerScript(headers: Readonly<Record<string, string>>): string {
  const lua = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
  return Object.entries(headers).map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}\n`).join('');
}

/** Lua for wrk that makes every request a POST of `body`. */
export function postScript(body: string): string {
  return `wrk.method = "POST"\nwrk.body = "${body.replace(/[\\"]/g, (c) => `\\${c}`)}"\n`;
}

export interface WrkRun {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A POST with this body instead of a GET. */
  readonly body?: string;
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
  /** Private directory for the header script. */
  readonly dir: string;
}

/** Runs wrk once and parses its report. Bounded: wrk's own duration plus 30 s. */
export async function runWrk(cleanup: Cleanup, run: WrkRun): Promise<WrkResult> {
  cleanup.throwIfClosed();
  const script = join(run.dir, 'headers.lua');
  writeFileSync(script, headerScript(run.headers) + (run.body !== undefined ? postScript(run.body) : ''), { mode: 0o600 });
  const args = ['-t', String(run.threads), '-c', String(run.connections), '-d', `${run.seconds}s`, '--latency', '-s', script, run.url];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.track(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 30) * 1000);
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('close', (c, signal) => resolve(c ?? String(signal)));
  });
  clearTimeout(timer);
  cleanup.throwIfClosed();
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} ended with ${code}:\n${out}`);
  return parseWrkOutput(out);
}
