// Audit ingest benchmark against real NATS JetStream and PostgreSQL (NATS_URL, DATABASE_URL, else
// the local defaults), in a namespace and database of its own that are removed afterwards.
//
//   node services/audit/dist/bench/ingest.bench.js [--events 100000] [--batch 16-64|1] [--app <app.js>]
//   node services/audit/dist/bench/ingest.bench.js --rate 20000 --seconds 20 [--batch 16-64|1]
//
// Backlog mode (no --rate): publishes --events events of the gateway's mix (as batch messages of a
// random size in the --batch range, or one message each with --batch 1), then starts the audit
// service and times how fast it empties the backlog into the hash-chained table: the capacity.
// Sustained mode (--rate): starts the service, then a publisher in another process publishes at
// --rate events/s for --seconds, and the lag from publish to commit is read off the table's head
// every 20 ms. --app loads createApp from another build (e.g. an older one, for a side-by-side
// figure); it defaults to this build. Prints one summary line and a JSON line per run.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BusNames, connectBus, ensureStreams, EventPublisher } from '@portcullis/bus';
import { eventsV1 as events, type eventsV1 } from '@portcullis/proto-gen';
import { createLogger, type App, type Logger } from '@portcullis/service-kit';
import { createTestDatabase, deleteStreams, natsUrl, uniqueNamespace, testTlsEnv } from '@portcullis/testkit';
import type { AuditConfig } from '../config.js';
import { loadConfig } from '../config.js';
import { EventMix } from './event-mix.js';

type CreateApp = (config: AuditConfig, logger: Logger, deps: { authenticate: () => Promise<never> }) => App;

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '16-64' },
    rate: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '20' },
    app: { type: 'string' },
    role: { type: 'string', default: 'main' },
    namespace: { type: 'string' },
  },
});

const [minBatch, maxBatch] = values.batch.split('-').map(Number) as [number, number | undefined];
const batchRange = { min: minBatch, max: maxBatch ?? minBatch };

/** Publishes `list` as batch messages (or singles), at most `inFlight` unacknowledged. Resolves with the acks. */
async function publishAll(publisher: EventPublisher, list: readonly eventsV1.Event[], onSent?: (seq: number, sentAt: number, count: number) => void, inFlight = 64): Promise<void> {
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < list.length; ) {
    const size = Math.min(list.length - i, batchSize());
    const chunk = list.slice(i, i + size);
    i += size;
    const sentAt = Date.now();
    const p = (size === 1 && batchRange.max === 1 ? publisher.publish(chunk[0]!) : publisher.publishBatch(randomUUID(), chunk[0]!.source, chunk.map((e) => events.Event.encode(e).finish()))).then((seq) => {
      onSent?.(seq, sentAt, size);
      pending.delete(p);
    });
    pending.add(p);
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
}

function batchSize(): number {
  return batchRange.min + Math.floor(Math.random() * (batchRange.max - batchRange.min + 1));
}

function averageSize(list: readonly eventsV1.Event[]): number {
  return Math.round(list.reduce((sum, e) => sum + events.Event.encode(e).finish().length, 0) / list.length);
}

/** The child process of sustained mode: publishes at --rate for --seconds, prints `seq sentAt count` lines. */
async function publisherRole(): Promise<void> {
  const url = await natsUrl();
  const names = new BusNames(values.namespace!);
  const bus = await connectBus({ url, name: 'audit-bench-publisher' });
  const publisher = new EventPublisher(bus.js, names);
  const mix = new EventMix();
  const rate = Number(values.rate);
  const total = rate * Number(values.seconds);
  const started = performance.now();
  let sent = 0;
  const out: string[] = [];
  const pending = new Set<Promise<void>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    if (due > sent && pending.size < 256) {
      const list = mix.events(Math.min(due - sent, batchRange.max * 4));
      const p = publishAll(publisher, list, (seq, sentAt, count) => out.push(`${seq} ${sentAt} ${count}`), 16).then(() => void pending.delete(p));
      pending.add(p);
      sent += list.length;
    } else {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const usage = process.cpuUsage();
  process.stdout.write(`${out.join('\n')}\nend ${sent} ${seconds} ${(usage.user + usage.system) / 1000}\n`);
  await bus.close();
}

async function main(): Promise<void> {
  const [db, url] = await Promise.all([createTestDatabase('audit_bench'), natsUrl()]);
  const namespace = uniqueNamespace('bench');
  const names = new BusNames(namespace);
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  writeFileSync(join(dir, 'portcullis.yaml'), 'audit:\n  readerGroups: [auditors]\n');
  const bus = await connectBus({ url, name: 'audit-bench' });
  const sqlClient = new pg.Client({ connectionString: db.url });
  await sqlClient.connect();
  const appPath = values.app ? pathToFileURL(resolve(values.app)).href : new URL('../app.js', import.meta.url).href;
  const { createApp } = (await import(appPath)) as { createApp: CreateApp };
  const config = loadConfig({ AUDIT_GRPC_ADDR: '127.0.0.1:0', AUDIT_HTTP_ADDR: '127.0.0.1:0', DATABASE_URL: db.url, NATS_URL: url, PORTCULLIS_NAMESPACE: namespace, PORTCULLIS_CONFIG: join(dir, 'portcullis.yaml'), LOG_LEVEL: 'info', ...(await testTlsEnv('audit')) });
  const app = createApp(config, createLogger('audit-bench', 'warn'), { authenticate: () => Promise.reject(new Error('no readers in the benchmark')) });
  const head = async () => {
    const { rows } = await sqlClient.query<{ seq: string; stream_seq: string }>('select seq, stream_seq from audit.events order by seq desc limit 1').catch(() => ({ rows: [] }));
    return rows[0] ? { seq: Number(rows[0].seq), streamSeq: Number(rows[0].stream_seq) } : { seq: 0, streamSeq: 0 };
  };
  try {
    await ensureStreams(bus.jsm, names);
    const result = Number(values.rate) > 0 ? await sustained(app, namespace, head, sqlClient) : await backlog(app, new EventPublisher(bus.js, names), head, sqlClient);
    const { rows } = await sqlClient.query<{ n: string; ids: string; max: string }>('select count(*) as n, count(distinct event_id) as ids, max(seq) as max from audit.events');
    const integrity = rows[0]!.n === rows[0]!.ids && rows[0]!.n === rows[0]!.max ? 'ok' : `BROKEN ${JSON.stringify(rows[0])}`;
    console.log(JSON.stringify({ ...result, batch: values.batch, app: values.app ?? 'this build', records: Number(rows[0]!.n), integrity }));
  } finally {
    await app.stop().catch(() => undefined);
    await sqlClient.end();
    await bus.close();
    await deleteStreams(url, namespace);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Head = () => Promise<{ seq: number; streamSeq: number }>;

/**
 * CPU time (ms) used so far by this process and, on Linux, by every postgres and nats-server
 * process: where the work of an ingest goes. (On a shared machine these include other users'
 * load on the same servers.)
 */
function cpuNow(): { self: number; postgres: number; nats: number } {
  const usage = process.cpuUsage();
  const ticks = (name: string) => {
    let pids: string[] = [];
    try {
      pids = execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return 0;
    }
    return pids.reduce((sum, pid) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return sum + Number(fields[11]) + Number(fields[12]);
      } catch {
        return sum;
      }
    }, 0);
  };
  return { self: (usage.user + usage.system) / 1000, postgres: ticks('postgres') * 10, nats: ticks('nats-server') * 10 };
}

/** Where the server's write-ahead log is, and how many checkpoints it has made: what the ingest costs the database. */
async function walNow(sql: pg.Client): Promise<{ lsn: string; checkpoints: number }> {
  const { rows } = await sql.query<{ lsn: string; checkpoints: string }>('select pg_current_wal_lsn()::text as lsn, (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter) as checkpoints');
  return { lsn: rows[0]!.lsn, checkpoints: Number(rows[0]!.checkpoints) };
}

async function walSince(sql: pg.Client, before: { lsn: string; checkpoints: number }, events: number): Promise<{ walBytesPerEvent: number; checkpoints: number }> {
  const after = await walNow(sql);
  const { rows } = await sql.query<{ bytes: string }>('select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) as bytes', [after.lsn, before.lsn]);
  return { walBytesPerEvent: Math.round(Number(rows[0]!.bytes) / events), checkpoints: after.checkpoints - before.checkpoints };
}

/** CPU ms per 1000 events between two cpuNow() readings. */
function cpuPer1000(before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>, events: number) {
  const per = (k: keyof typeof before) => Math.round(((after[k] - before[k]) / events) * 1000);
  return { audit: per('self'), postgres: per('postgres'), nats: per('nats') };
}

/** Publishes the backlog; the events are not kept, so that they do not weigh on the audit service's heap. */
async function publishBacklog(publisher: EventPublisher): Promise<{ count: number; avgBytes: number; publishMs: number }> {
  const list = new EventMix().events(Number(values.events));
  const publishStarted = performance.now();
  await publishAll(publisher, list);
  return { count: list.length, avgBytes: averageSize(list), publishMs: performance.now() - publishStarted };
}

async function backlog(app: App, publisher: EventPublisher, head: Head, sql: pg.Client) {
  const { count, avgBytes, publishMs } = await publishBacklog(publisher);
  const walBefore = await walNow(sql);
  const cpuBefore = cpuNow();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const startedAt = performance.now();
  await app.start();
  const readyMs = performance.now() - startedAt;
  const ready = performance.now();
  let first: number | undefined;
  for (;;) {
    const { seq } = await head();
    if (seq > 0) first ??= performance.now();
    if (seq >= count) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ingestMs = performance.now() - ready;
  const cpu = cpuPer1000(cpuBefore, cpuNow(), count);
  const wal = await walSince(sql, walBefore, count);
  loop.disable();
  const loopDelay = { p50: Math.round(loop.percentile(50) / 1e5) / 10, p99: Math.round(loop.percentile(99) / 1e5) / 10, max: Math.round(loop.max / 1e5) / 10 };
  const perSecond = Math.round((count / ingestMs) * 1000);
  console.log(
    `backlog: ${count} events (avg ${avgBytes} B, batch ${values.batch}) published in ${Math.round(publishMs)} ms; ` +
      `recorded in ${Math.round(ingestMs)} ms after start = ${perSecond} events/s (first commit after ${Math.round((first ?? ready) - ready)} ms; start ${Math.round(readyMs)} ms); ` +
      `CPU ms per 1000 events: audit ${cpu.audit}, postgres ${cpu.postgres}, nats-server ${cpu.nats}; ` +
      `event loop delay p50 ${loopDelay.p50} ms, p99 ${loopDelay.p99} ms; WAL ${wal.walBytesPerEvent} B/event, ${wal.checkpoints} checkpoints`,
  );
  // The window is in ms since the process started, to cut a --cpu-prof profile to the ingest.
  return { mode: 'backlog', events: count, avgBytes, ingestMs: Math.round(ingestMs), eventsPerSecond: perSecond, cpuMsPer1000: cpu, loopDelayMs: loopDelay, ...wal, window: [Math.round(ready), Math.round(ready + ingestMs)] };
}

async function sustained(app: App, namespace: string, head: Head, sql: pg.Client) {
  await app.start();
  const cpuBefore = cpuNow();
  const walBefore = await walNow(sql);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--role', 'publish', '--namespace', namespace, '--rate', values.rate, '--seconds', values.seconds, '--batch', values.batch], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const sent: { seq: number; at: number; count: number }[] = [];
  let end = { events: 0, seconds: 0, cpuMs: 0 };
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const [a, b, c] = line.split(' ');
    if (a === 'end') end = { events: Number(b), seconds: Number(c), cpuMs: Number(line.split(' ')[3]) };
    else sent.push({ seq: Number(a), at: Number(b), count: Number(c) });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Head samples: when (epoch ms) the table's last record came from which stream sequence.
  const samples: { at: number; streamSeq: number; seq: number }[] = [];
  let childDone = false;
  void exited.then(() => (childDone = true));
  for (;;) {
    const h = await head();
    samples.push({ at: Date.now(), ...h });
    if (childDone && end.events > 0 && h.seq >= end.events) break;
    if (childDone && samples.length > 1 && Date.now() - samples.find((s) => s.seq === h.seq)!.at > 30_000) throw new Error(`stuck at ${h.seq} of ${end.events}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = { ...cpuPer1000(cpuBefore, cpuNow(), end.events), publisher: Math.round((end.cpuMs / end.events) * 1000) };
  const wal = await walSince(sql, walBefore, end.events);
  const lags: number[] = [];
  let i = 0;
  for (const m of sent.sort((a, b) => a.seq - b.seq)) {
    while (samples[i]!.streamSeq < m.seq) i++;
    const lag = Math.max(0, samples[i]!.at - m.at);
    for (let k = 0; k < m.count; k++) lags.push(lag);
  }
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]!;
  const ingestSeconds = (samples.at(-1)!.at - (sent[0]?.at ?? 0)) / 1000;
  const summary = { mode: 'sustained', rate: Number(values.rate), published: end.events, publishSeconds: Number(end.seconds.toFixed(2)), lagP50Ms: pct(50), lagP99Ms: pct(99), lagMaxMs: lags.at(-1)!, cpuMsPer1000: cpu, ...wal };
  console.log(
    `sustained: ${end.events} events offered at ${values.rate}/s (achieved ${Math.round(end.events / end.seconds)}/s, batch ${values.batch}); ` +
      `all recorded ${ingestSeconds.toFixed(1)} s after the first publish; lag publish→commit p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lags.at(-1)} ms (±20 ms sampling); ` +
      `CPU ms per 1000 events: audit ${cpu.audit}, postgres ${cpu.postgres}, nats-server ${cpu.nats}, publisher ${cpu.publisher}; ` +
      `WAL ${wal.walBytesPerEvent} B/event, ${wal.checkpoints} checkpoints`,
  );
  return summary;
}

if (values.role === 'publish') await publisherRole();
else await main();
