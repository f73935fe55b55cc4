import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { headers } from '@nats-io/transport-node';
import pg from 'pg';
import { BATCH_TYPE, BusNames, connectBus, EVENT_TYPE_HEADER, EventPublisher, type Bus } from '@portcullis/bus';
import type { VerifyOutcome } from '@portcullis/identity-client';
import { auditV1, eventsV1 } from '@portcullis/proto-gen';
import { createLogger, tlsChannelOptions } from '@portcullis/service-kit';
import { createTestDatabase, deleteStreams, eventually, natsUrl, testClientCredentials, testTlsEnv, uniqueNamespace, type TestDatabase } from '@portcullis/testkit';
import { createApp, type AuditDeps } from './app.js';
import { EventMix } from './bench/event-mix.js';
import { loadConfig, type AuditConfig } from './config.js';
import { sha256Hex } from './domain/index.js';

// Group commit against real NATS JetStream and PostgreSQL: a batch message (EventBatch) becomes one
// record per event, with the event's own bytes, id and digest; batches are deduplicated event by
// event however they arrive again; nothing undecodable is dropped; session ids are stored; several
// instances keep one chain.

const reader = { subject: 'auditor-1', clientId: 'auditor-1', groups: ['auditors'], issuer: 'https://idp.test', expiresAt: new Date(Date.now() + 3_600_000), scopes: [], kind: 'machine' as const, claimsJson: '{}', tokenId: '' };
const authenticate = async (token: string): Promise<VerifyOutcome> =>
  token === 'reader-token' ? { ok: true, principal: reader } : { ok: false, code: 'TOKEN_MALFORMED', message: 'not a token this test knows' };

interface Row {
  seq: string;
  event_id: string;
  type: string;
  request_id: string;
  session_id: string;
  stream_seq: string;
  payload: Buffer;
  hash: string;
  prev_hash: string;
}

/** Events as the gateway hands them to publishBatch: each encoded once. */
const encoded = (events: readonly eventsV1.Event[]) => events.map((e) => eventsV1.Event.encode(e).finish());

describe('batch ingest (integration)', () => {
  const namespace = uniqueNamespace('auditb');
  const names = new BusNames(namespace);
  const apps: ReturnType<typeof createApp>[] = [];
  const mix = new EventMix('ingress:batch-test');
  let db: TestDatabase;
  let config: AuditConfig;
  let configDir: string;
  let nats: string;
  let bus: Bus;
  let publisher: EventPublisher;
  let sqlClient: pg.Client;
  let batchNo = 0;
  const logLines: string[] = [];

  async function startApp(instanceId: string, deps: Partial<AuditDeps> = {}) {
    const app = createApp({ ...config, instanceId }, createLogger(`audit-${instanceId}`, 'warn', { write: (line: string) => void logLines.push(line) }), { authenticate, ...deps });
    apps.push(app);
    await app.start();
    return app;
  }

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase('audit_batch'), natsUrl()]);
    configDir = mkdtempSync(join(tmpdir(), 'audit-batch-'));
    writeFileSync(join(configDir, 'portcullis.yaml'), 'audit:\n  readerGroups: [auditors]\n');
    config = loadConfig({ AUDIT_GRPC_ADDR: '127.0.0.1:0', AUDIT_HTTP_ADDR: '127.0.0.1:0', DATABASE_URL: db.url, NATS_URL: nats, PORTCULLIS_NAMESPACE: namespace, PORTCULLIS_CONFIG: join(configDir, 'portcullis.yaml'), ...(await testTlsEnv('audit')) });
    bus = await connectBus({ url: nats, name: 'audit-batch-test' });
    publisher = new EventPublisher(bus.js, names);
    sqlClient = new pg.Client({ connectionString: db.url });
    await sqlClient.connect();
    // Transactions of at most 4 events: a batch of 10 is written in three.
    await startApp('a', { ingest: { maxEntries: 4 } });
  });

  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => undefined);
    await bus?.close();
    await sqlClient?.end().catch(() => undefined);
    if (nats) await deleteStreams(nats, namespace);
    await db?.drop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  async function rows(where: string, params: unknown[]): Promise<Row[]> {
    const result = await sqlClient.query<Row>(`select seq, event_id, type, request_id, session_id, stream_seq, payload, hash, prev_hash from audit.events where ${where} order by seq`, params);
    return result.rows;
  }

  async function count(where = 'true', params: unknown[] = []): Promise<number> {
    const { rows: r } = await sqlClient.query<{ n: string }>(`select count(*) as n from audit.events where ${where}`, params);
    return Number(r[0]!.n);
  }

  /** Waits until `n` records match, then a little longer, so that a late duplicate would show. */
  async function settled(n: number, where: string, params: unknown[]): Promise<Row[]> {
    await eventually(async () => ((await count(where, params)) >= n ? true : undefined), 15_000, `${n} records`);
    await new Promise((r) => setTimeout(r, 300));
    return rows(where, params);
  }

  async function verifyChain(port: number): Promise<auditV1.VerifyChainResponse> {
    const client = new auditV1.AuditServiceClient(`127.0.0.1:${port}`, await testClientCredentials('cli', 'audit'), tlsChannelOptions('audit'));
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer reader-token');
    return new Promise<auditV1.VerifyChainResponse>((resolve, reject) => client.verifyChain({}, md, (err, res) => (err ? reject(err) : resolve(res)))).finally(() => client.close());
  }

  /** Publishes raw bytes as a batch message, as a gateway would (or a broken one). */
  async function publishRawBatch(batchId: string, payload: Uint8Array): Promise<number> {
    const h = headers();
    h.set(EVENT_TYPE_HEADER, BATCH_TYPE);
    const ack = await bus.js.publish(names.batchSubject('ingress:batch-test', batchId), payload, { msgID: `batch:${batchId}`, headers: h });
    return ack.seq;
  }

  const ids = (list: readonly { id: string }[]) => list.map((e) => e.id);
  const encode = (e: eventsV1.Event) => eventsV1.Event.encode(e).finish();

  it('records a batch as one record per event, in order, each with its own bytes, id and digest', async () => {
    const events = mix.events(10).slice(0, 10);
    const streamSeq = await publisher.publishBatch(`b${++batchNo}`, 'ingress:batch-test', encoded(events));

    const recorded = await settled(10, 'event_id = any($1)', [ids(events)]);
    expect(recorded.map((r) => r.event_id)).toEqual(ids(events));
    const seqs = recorded.map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    for (const [i, row] of recorded.entries()) {
      const bytes = encode(events[i]!);
      expect(Buffer.compare(row.payload, Buffer.from(bytes)), `payload of ${row.event_id}`).toBe(0);
      expect(sha256Hex(row.payload)).toBe(sha256Hex(bytes));
      expect(row.stream_seq).toBe(String(streamSeq));
      if (i > 0) expect(row.prev_hash).toBe(recorded[i - 1]!.hash);
    }
    await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: true, records: BigInt(await count()) });
  });

  it('stores the session id of session and request events, indexed for replay', async () => {
    const session = mix.session();
    await publisher.publishBatch(`b${++batchNo}`, 'ingress:batch-test', encoded(session));
    const recorded = await settled(session.length, 'event_id = any($1)', [ids(session)]);
    expect([recorded[0]!.type, recorded.at(-1)!.type]).toEqual(['session.started', 'session.ended']);
    expect(new Set(recorded.map((r) => r.session_id))).toEqual(new Set([session[0]!.sessionId]));
    expect(recorded.filter((r) => r.type.startsWith('session.')).map((r) => r.request_id)).toEqual(['', '']);
    expect(recorded.filter((r) => r.type.startsWith('request.')).every((r) => r.request_id !== '')).toBe(true);
    expect((await rows('session_id = $1', [session[0]!.sessionId])).map((r) => r.event_id)).toEqual(ids(session));
    const { rows: index } = await sqlClient.query("select indexdef from pg_indexes where schemaname = 'audit' and indexname = 'events_session_id_seq_idx'");
    expect(index[0]?.indexdef).toContain('(session_id, seq)');
  });

  it('records an event once, whether its batch arrives again under another id or it also comes alone', async () => {
    const events = mix.events(6).slice(0, 6);
    await publisher.publishBatch(`b${++batchNo}`, 'ingress:batch-test', encoded(events));
    await settled(6, 'event_id = any($1)', [ids(events)]);
    await publisher.publishBatch(`b${++batchNo}`, 'ingress:batch-test', encoded(events)); // the stream keeps both
    await publisher.publish(events[2]!); // and the same event alone
    const extra = mix.events(3).slice(0, 3);
    await publisher.publishBatch(`b${++batchNo}`, 'ingress:batch-test', encoded([events[4]!, ...extra, events[0]!])); // old and new mixed

    await settled(3, 'event_id = any($1)', [ids(extra)]);
    expect((await rows('event_id = any($1)', [ids(events)])).map((r) => r.event_id)).toEqual(ids(events));
    await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: true, records: BigInt(await count()) });
  });

  it('records a batch whose envelope does not decode as one invalid record', async () => {
    const before = await count();
    const garbage = Uint8Array.of(0x0a, 0x7f, 0x01, 0x02); // field 1, length 127, 2 bytes
    const streamSeq = await publishRawBatch('broken-envelope', garbage);
    const [record] = await settled(1, 'event_id = $1', [invalidId(streamSeq, garbage)]);
    expect(record).toMatchObject({ type: 'invalid', request_id: '', session_id: '', stream_seq: String(streamSeq) });
    expect([...record!.payload]).toEqual([...garbage]);
    expect(await count()).toBe(before + 1);
    await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: true });
  });

  it('records an element that is not an event as invalid, under an id that is the same on redelivery', async () => {
    // 10 elements, the second undecodable, written 4 + 4 + 2: the second transaction fails once,
    // so the message is redelivered after the first one committed.
    const events = mix.events(9).slice(0, 9);
    const elements = [encode(events[0]!), Uint8Array.of(0x0a, 0x09, 0x41), ...events.slice(1).map(encode)];
    const failOn = events[5]!.id; // element 6: the second transaction
    await sqlClient.query('create sequence audit.test_once');
    await sqlClient.query(`create function audit.test_fail_once() returns trigger language plpgsql as $$
      begin
        if new.event_id = '${failOn}' and nextval('audit.test_once') = 1 then raise exception 'test: refused once'; end if;
        return new;
      end $$`);
    await sqlClient.query('create trigger test_fail_once before insert on audit.events for each row execute function audit.test_fail_once()');
    try {
      const batch = eventsV1.EventBatch.encode({ events: elements.map((e) => Buffer.from(e)) }).finish();
      const bad = `${invalidId(await publishRawBatch('with-bad-element', batch), batch)}:1`;
      const recorded = await settled(10, 'event_id = any($1)', [[bad, ...ids(events)]]);
      expect(recorded.map((r) => r.event_id)).toEqual([events[0]!.id, bad, ...ids(events.slice(1))]);
      expect(recorded[1]).toMatchObject({ type: 'invalid', request_id: '', session_id: '' });
      expect([...recorded[1]!.payload]).toEqual([0x0a, 0x09, 0x41]);
      const { rows: failed } = await sqlClient.query<{ last_value: string }>('select last_value from audit.test_once');
      expect(Number(failed[0]!.last_value)).toBeGreaterThanOrEqual(2); // it did fail once, then pass
      expect(logLines.some((line) => line.includes('batch not recorded'))).toBe(true);
    } finally {
      await sqlClient.query('drop trigger test_fail_once on audit.events');
      await sqlClient.query('drop function audit.test_fail_once()');
      await sqlClient.query('drop sequence audit.test_once');
    }
    await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: true, records: BigInt(await count()) });
  });

  it('keeps one chain with two instances appending batches', { timeout: 60_000 }, async () => {
    await startApp('b');
    const before = await count();
    const published = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const events = mix.events(20);
        await publisher.publishBatch(`b${++batchNo}`, 'ingress:batch-test', encoded(events));
        return events.length;
      }),
    );
    const total = published.reduce((a, b) => a + b, 0);
    await eventually(async () => ((await count()) === before + total ? true : undefined), 30_000, `${total} records`);
    await new Promise((r) => setTimeout(r, 300));
    const { rows: r } = await sqlClient.query<{ n: string; max: string; ids: string }>('select count(*) as n, max(seq) as max, count(distinct event_id) as ids from audit.events');
    expect(r[0]).toEqual({ n: String(before + total), max: String(before + total), ids: String(before + total) });
    await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: true, records: BigInt(before + total) });
  });

  it('finds a stored session id that is not the event’s', async () => {
    const [victim] = await rows("type = 'request.received'", []);
    const tamper = async (value: string) => {
      await sqlClient.query('begin');
      await sqlClient.query('alter table audit.events disable trigger all');
      await sqlClient.query('update audit.events set session_id = $2 where seq = $1', [victim!.seq, value]);
      await sqlClient.query('alter table audit.events enable always trigger events_no_update_delete, enable always trigger events_no_truncate');
      await sqlClient.query('commit');
    };
    await tamper('someone-elses-session');
    try {
      await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: false, firstBadSeq: BigInt(victim!.seq) });
    } finally {
      await tamper(victim!.session_id);
    }
    await expect(verifyChain(apps[0]!.grpcPort())).resolves.toMatchObject({ ok: true });
  });
});

/** The id audit gives an invalid message (or, with `:<index>`, an invalid element of a batch). */
function invalidId(streamSeq: number, data: Uint8Array): string {
  return `invalid:${streamSeq}:${createHash('sha256').update(data).digest('hex').slice(0, 16)}`;
}
