import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, PubHeaders, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { errorCode } from '@portcullis/errors';
import { AUDIT_DURABLE, EVENT_TYPE_HEADER, type BusNames } from '@portcullis/bus';
import type { Logger } from '@portcullis/service-kit';
import type { AppendResult } from '../audit-log.service.js';
import { entriesFromMessage, messageContent, type IncomingEntry, type MessageContent, type ReceivedMessage } from '../event.mappers.js';
import { batches } from './batches.js';
import { FetchBuffer } from './fetch-buffer.js';
import { pullPending, type PulledMessage } from './pull.js';

/** The shared durable consumer (every audit instance pulls from it, each event goes to one); NATS permissions keep everyone else off it. */
export { AUDIT_DURABLE };

export interface IngestOptions {
  /** Most log entries (events) written in one transaction. */
  readonly maxEntries: number;
  /** Longest wait for a batch to fill once it has its first event (ms). */
  readonly maxWaitMs: number;
  /** Most messages (single events or batches of them) asked for in one pull. */
  readonly fetchMessages: number;
  /** Pause after a pull that found less than it asked for (ms): bounds wake-ups when idle. */
  readonly pollMs: number;
}

export const DEFAULT_INGEST: IngestOptions = Object.freeze({ maxEntries: 1000, maxWaitMs: 100, fetchMessages: 500, pollMs: 100 });

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
    max_ack_pending: options.fetchMessages * 20,
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
  const updated = await jsm.consumers.update(names.eventsStream, AUDIT_DURABLE, mutable);
  // A durable someone else made or changed (filter, start) would let events pass unrecorded.
  const problem = consumerProblem(updated.config, names);
  if (problem) throw new Error(`audit's consumer ${AUDIT_DURABLE} on ${names.eventsStream} is not as audit makes it (${problem}): delete it to have it made again`);
}
/** What differs in audit's consumer from what audit made (ensureAuditConsumer), or undefined. */
export function consumerProblem(config: ConsumerConfig, names: BusNames): string | undefined {
  if (config.filter_subject !== names.allEvents || (config.filter_subjects?.length ?? 0) > 0) return `filter is ${config.filter_subject ?? config.filter_subjects?.join(',') ?? 'none'}, not ${names.allEvents}`;
  if (config.deliver_policy !== DeliverPolicy.All) return `deliver policy is ${config.deliver_policy}, not all`;
  if (config.ack_policy !== AckPolicy.Explicit) return `ack policy is ${config.ack_policy}, not explicit`;
  if (config.max_deliver !== undefined && config.max_deliver !== -1) return `max_deliver is ${config.max_deliver}, not unlimited`;
  if (config.inactive_threshold) return 'it has an inactivity threshold';
  return undefined;
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

/** A fetched message, what it carries, and how many log entries it makes. */
interface Delivery {
  readonly m: PulledMessage;
  readonly message: ReceivedMessage;
  readonly content: MessageContent;
  readonly size: number;
}

/** How long a pull may take to be answered before it counts as failed. */
const PULL_TIMEOUT_MS = 1000;

/** Longest stretch of decoding before pending I/O is let through (ms). */
const SLICE_MS = 2;

/**
 * Pulls events (single events and batches of them) and records them in batches of at most
 * maxEntries events. A message is acked only after every one of its events committed; a batch
 * that fails is nak'ed with a delay (it is redelivered, here or to another instance) and this
 * instance backs off. Recording is idempotent, so a redelivery after a commit whose ack was lost
 * is harmless.
 *
 * Pulls with `no_wait` (not `consume()` or long fetches): nothing stays open on the server, so
 * nothing is sent to a reader that stopped (it would wait out the ack wait before anyone else could
 * record it), and the process wakes once per pull rather than once per message — on a machine
 * shared with the gateway, every wake-up is taken from the data path.
 */
export async function startAuditIngest(
  nc: NatsConnection,
  jsm: JetStreamManager,
  names: BusNames,
  sink: BatchSink,
  logger: Logger,
  options: IngestOptions = DEFAULT_INGEST,
): Promise<AuditIngest> {
  await jsm.consumers.info(names.eventsStream, AUDIT_DURABLE); // exists, or start fails
  const aborter = new AbortController();
  let stopping = false;
  // Consecutive failures, counted apart: a bus hiccup must not lengthen the next database back-off.
  let fetchFailures = 0;
  let writeFailures = 0;
  const pause = (failures: number) => sleep(backoffMs(failures), undefined, { signal: aborter.signal }).catch(() => undefined);

  /** A fetched message with what it carries: its weight in a transaction is its number of events. */
  const delivery = (m: PulledMessage): Delivery => {
    const message: ReceivedMessage = {
      data: m.data,
      subject: m.subject,
      msgId: m.headers?.get(PubHeaders.MsgIdHdr) || undefined,
      eventType: m.headers?.get(EVENT_TYPE_HEADER) || undefined,
      streamSeq: m.streamSequence,
    };
    const content = messageContent(message);
    return { m, message, content, size: content.ok ? content.events.length : 1 };
  };

  // Fetched, not yet recorded: about two transactions' worth, so one is always ready while the
  // next fetch is on its way, and a fetch brings about that much (in messages, from the events per
  // message seen so far: a fetch of 500 batches would hold tens of thousands of events).
  const buffer = new FetchBuffer<Delivery>(2 * options.maxEntries, (d) => d.size);
  let eventsPerMessage = 1;
  const fetchSize = () => Math.max(1, Math.min(options.fetchMessages, Math.round((2 * options.maxEntries) / eventsPerMessage)));

  /**
   * Pull after pull into the buffer until stop(). A pull takes what is pending and ends (no
   * request stays open on the server); one that came back short is followed by a pause of
   * `pollMs`, so a lightly loaded audit wakes a few times a second instead of once per message,
   * and a loaded one pulls back to back.
   */
  const fetching = (async () => {
    while (!stopping) {
      await buffer.room(aborter.signal);
      if (stopping) break;
      const wanted = fetchSize();
      try {
        const pulled = await pullPending(nc, names.eventsStream, AUDIT_DURABLE, wanted, PULL_TIMEOUT_MS);
        let events = 0;
        for (const m of pulled) {
          const d = delivery(m);
          buffer.push(d);
          events += d.size;
        }
        if (pulled.length > 0) eventsPerMessage = 0.5 * eventsPerMessage + 0.5 * (events / pulled.length);
        fetchFailures = 0;
        if (pulled.length < wanted) await sleep(options.pollMs, undefined, { signal: aborter.signal }).catch(() => undefined);
      } catch (err) {
        if (stopping) break;
        fetchFailures++;
        logger.error({ err, retryInMs: backoffMs(fetchFailures) }, 'pulling events failed');
        // A deleted consumer answers nothing (2.9) or 503: make sure it exists (idempotent).
        if (errorCode(err) === 'NO_CONSUMER' || errorCode(err) === 'PULL_FAILED') {
          await ensureAuditConsumer(jsm, names, options).catch((e: unknown) => logger.error({ err: e }, 'cannot recreate the audit consumer'));
        }
        await pause(fetchFailures);
      }
    }
    buffer.end();
  })();

  // Decoding and digesting (CPU), while earlier batches are being written: in slices of a couple
  // of milliseconds, so the replies of the transaction in flight (the lock granted, the COPY done)
  // are answered at once instead of after a whole batch's worth of work.
  const prepare = async (batch: readonly Delivery[]): Promise<IncomingEntry[]> => {
    const entries: IncomingEntry[] = [];
    let sliceStarted = performance.now();
    for (const d of batch) {
      for (const entry of entriesFromMessage(d.message, names, d.content)) entries.push(entry);
      if (performance.now() - sliceStarted > SLICE_MS) {
        await yieldToIo();
        sliceStarted = performance.now();
      }
    }
    return entries;
  };

  /**
   * Records a batch's entries in transactions of at most maxEntries (more than one only for a
   * message larger than that), then acks its messages; if any transaction fails, naks them all
   * (what was committed is skipped as duplicate when they come back).
   */
  const record = async (batch: readonly Delivery[], entries: readonly IncomingEntry[]): Promise<boolean> => {
    const started = performance.now();
    const streamSeqs = [batch[0]?.message.streamSeq, batch.at(-1)?.message.streamSeq];
    try {
      let appended = 0;
      let duplicates = 0;
      let first: bigint | undefined;
      let last: bigint | undefined;
      for (let i = 0; i < entries.length; i += options.maxEntries) {
        const result = await sink(entries.slice(i, i + options.maxEntries));
        appended += result.appended;
        duplicates += result.duplicates;
        first ??= result.seqRange?.[0];
        last = result.seqRange?.[1] ?? last;
      }
      for (const d of batch) d.m.ack();
      writeFailures = 0;
      logger.debug(
        { messages: batch.length, count: entries.length, appended, duplicates, seqRange: first === undefined ? undefined : [String(first), String(last)], streamSeqs, ms: Math.round(performance.now() - started) },
        'batch recorded',
      );
      return true;
    } catch (err) {
      writeFailures++;
      const retryInMs = backoffMs(writeFailures);
      for (const d of batch) d.m.nak(retryInMs);
      logger.error({ err, messages: batch.length, count: entries.length, streamSeqs, retryInMs }, 'batch not recorded; it will be redelivered');
      return false;
    }
  };

  // Two batches in flight: while one is being written, the next is already hashed into the chain,
  // encoded and waiting for the lock, and the one after is being decoded. The sink records them in
  // call order; each is acked when its own transactions have committed.
  const run = async () => {
    const inFlight: Promise<boolean>[] = [];
    for await (const batch of batches(buffer, { maxSize: options.maxEntries, maxWaitMs: options.maxWaitMs, sizeOf: (d) => d.size })) {
      const entries = await prepare(batch);
      if (inFlight.length >= 2 && !(await inFlight.shift()!) && !stopping) await pause(writeFailures);
      inFlight.push(record(batch, entries));
    }
    await Promise.all(inFlight);
  };
  const done = Promise.all([fetching, run()]);

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
