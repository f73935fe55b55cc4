import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, PubHeaders, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { BusNames } from '@portcullis/bus';
import type { Logger } from '@portcullis/service-kit';
import type { AppendResult } from '../audit-log.service.js';
import { entryFromMessage, type IncomingEntry } from '../event.mappers.js';
import { batches } from './batches.js';

/** Name of the shared durable consumer: every audit instance pulls from it, each event goes to one. */
export const AUDIT_DURABLE = 'audit';

export interface IngestOptions {
  /** Largest batch written in one transaction. */
  readonly maxBatch: number;
  /** Longest wait for a batch to fill once it has its first event (ms). */
  readonly maxWaitMs: number;
}

export const DEFAULT_INGEST: IngestOptions = Object.freeze({ maxBatch: 500, maxWaitMs: 250 });

const NANOS_PER_MS = 1_000_000;
const ACK_WAIT_MS = 30_000;

/**
 * Creates the durable consumer of every event (explicit ack, from the first stored event, never
 * giving up on a message), or brings the settings that may change up to date. Room for unacked
 * messages: each instance holds a batch being written and one being fetched; allow several.
 */
export async function ensureAuditConsumer(jsm: JetStreamManager, names: BusNames, options: IngestOptions = DEFAULT_INGEST): Promise<void> {
  const mutable = {
    description: 'audit: records every event in the hash-chained log',
    ack_wait: ACK_WAIT_MS * NANOS_PER_MS,
    max_ack_pending: options.maxBatch * 20,
    max_deliver: -1,
  };
  const exists = async () => (await jsm.consumers.info(names.eventsStream, AUDIT_DURABLE).catch(() => undefined)) !== undefined;
  if (!(await exists())) {
    try {
      await jsm.consumers.add(names.eventsStream, {
        ...mutable,
        durable_name: AUDIT_DURABLE,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: names.allEvents,
      });
      return;
    } catch (err) {
      if (!(await exists())) throw err; // else another instance created it meanwhile
    }
  }
  await jsm.consumers.update(names.eventsStream, AUDIT_DURABLE, mutable);
}

export interface AuditIngest {
  /**
   * Stops fetching, lets the fetch in progress end (so nothing is left delivered to a closed
   * inbox), records what it brought (commit, then ack), and resolves when that is done.
   */
  stop(): Promise<void>;
}

/** Where batches go: resolves once they are durably recorded. */
export type BatchSink = (entries: readonly IncomingEntry[]) => Promise<AppendResult>;

/** How long one fetch waits for messages; the client's minimum, so a stop is quick. */
const FETCH_EXPIRES_MS = 1000;

/**
 * Pulls events and records them in batches. A batch is acked only after its transaction
 * committed; a batch that fails is nak'ed with a delay (it is redelivered, here or to another
 * instance) and this instance backs off. Recording is idempotent, so a redelivery after a commit
 * whose ack was lost is harmless.
 *
 * Fetches (not `consume()`) because a fetch can be let run to its end: `consume()` leaves pull
 * requests open on the server after it is closed, and whatever the server sends to them (a nak'ed
 * message too) waits out the ack wait before anyone else may record it.
 */
export async function startAuditIngest(
  js: JetStreamClient,
  jsm: JetStreamManager,
  names: BusNames,
  sink: BatchSink,
  logger: Logger,
  options: IngestOptions = DEFAULT_INGEST,
): Promise<AuditIngest> {
  const consumer = await js.consumers.get(names.eventsStream, AUDIT_DURABLE);
  const aborter = new AbortController();
  let stopping = false;
  // Consecutive failures, counted apart: a bus hiccup must not lengthen the next database back-off.
  let fetchFailures = 0;
  let writeFailures = 0;
  const pause = (failures: number) => sleep(backoffMs(failures), undefined, { signal: aborter.signal }).catch(() => undefined);

  /** Every message of one fetch after another; the next fetch starts as soon as one ends. */
  async function* pull(): AsyncGenerator<JsMsg> {
    while (!stopping) {
      try {
        for await (const m of await consumer.fetch({ max_messages: options.maxBatch, expires: FETCH_EXPIRES_MS })) yield m;
        fetchFailures = 0;
      } catch (err) {
        if (stopping) return;
        fetchFailures++;
        logger.error({ err, retryInMs: backoffMs(fetchFailures) }, 'fetching events failed');
        if (/consumer (not found|deleted)/i.test((err as Error).message)) {
          await ensureAuditConsumer(jsm, names, options).catch((e: unknown) => logger.error({ err: e }, 'cannot recreate the audit consumer'));
        }
        await pause(fetchFailures);
      }
    }
  }

  // Decoding and digesting (CPU) is done before the previous batch's transaction is awaited, so it
  // overlaps with PostgreSQL's work; the transactions themselves still run one after the other.
  const prepare = (batch: readonly JsMsg[]): IncomingEntry[] =>
    batch.map((m) =>
      entryFromMessage({ data: m.data, subject: m.subject, msgId: m.headers?.get(PubHeaders.MsgIdHdr) || undefined, streamSeq: m.info.streamSequence }),
    );

  const record = async (batch: readonly JsMsg[], entries: readonly IncomingEntry[]): Promise<boolean> => {
    const started = performance.now();
    const streamSeqs = [batch[0]?.info.streamSequence, batch.at(-1)?.info.streamSequence];
    try {
      const result = await sink(entries);
      for (const m of batch) m.ack();
      writeFailures = 0;
      logger.debug(
        { count: batch.length, appended: result.appended, duplicates: result.duplicates, seqRange: result.seqRange?.map(String), streamSeqs, ms: Math.round(performance.now() - started) },
        'batch recorded',
      );
      return true;
    } catch (err) {
      writeFailures++;
      const retryInMs = backoffMs(writeFailures);
      for (const m of batch) m.nak(retryInMs);
      logger.error({ err, count: batch.length, streamSeqs, retryInMs }, 'batch not recorded; it will be redelivered');
      return false;
    }
  };

  const run = async () => {
    let previous: Promise<boolean> = Promise.resolve(true);
    for await (const batch of batches(pull(), { maxSize: options.maxBatch, maxWaitMs: options.maxWaitMs })) {
      const entries = prepare(batch);
      if (!(await previous) && !stopping) await pause(writeFailures);
      previous = record(batch, entries);
    }
    await previous;
  };
  const done = run();

  return {
    async stop() {
      stopping = true;
      aborter.abort();
      await done;
    },
  };
}

/** 100 ms, 200 ms, … up to 10 s. */
function backoffMs(failures: number): number {
  return Math.min(100 * 2 ** Math.max(0, failures - 1), 10_000);
}
