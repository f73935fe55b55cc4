import type { Logger } from '@portcullis/service-kit';
import { eventsV1 } from '@portcullis/proto-gen';
import type { GatewayEvent } from '../domain/events.js';
import type { EventsPort, IdSource } from '../domain/ports.js';
import { eventToProto } from './events.mappers.js';

/** Publishes one batch of encoded events as one bus message; resolves once it is durably stored. */
export type BatchPublish = (batchId: string, events: readonly Uint8Array[]) => Promise<unknown>;

export interface EventsRecorderOptions {
  /** Batches awaiting their ack at once; more events wait and join the next batch (group commit). */
  readonly maxInFlight?: number;
  /**
   * Longest a background event waits for a batch to ride in (ms). Background events leave with the
   * next awaited batch, so under traffic they never cost a round trip of their own; when nothing
   * else is sent they go alone after this linger.
   */
  readonly lingerMs?: number;
  /** Events per batch. */
  readonly maxBatchEvents?: number;
  /** Encoded bytes per batch (NATS refuses messages over its max_payload, 1 MiB by default). */
  readonly maxBatchBytes?: number;
  /** Background events waiting beyond this are dropped (and counted): memory stays bounded. */
  readonly maxQueued?: number;
  /** How long a background event is retried before it is given up. */
  readonly retryForMs?: number;
  /**
   * Whether the event stream still has room for new requests (StreamCapacity). When it says no,
   * `record` refuses at once: the caller fails closed, and the room left is for the events of
   * requests already in flight (`recordLater` is never refused this way).
   */
  readonly accepting?: () => boolean;
  readonly now?: () => number;
}

interface Pending {
  /** For logs about the event: never its payload. */
  readonly about: { readonly id: string; readonly requestId: string; readonly kind: string };
  /** The event's protobuf encoding, made once. */
  readonly bytes: Uint8Array;
  /** Set for awaited events: settled when their batch is stored or refused. */
  readonly waiter?: Waiter;
  /** Background events only: retried until then. */
  readonly giveUpAt: number;
}

interface Waiter {
  remaining: number;
  failed: boolean;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Durable event recording with group commit. Events of concurrent requests are gathered into one
 * bus message (an EventBatch): when a slot is free an awaited batch leaves at once (a sequential
 * caller pays one round trip, no linger); while `maxInFlight` batches are in flight, new events
 * gather and leave together when one is acked. Background events (after the caller has its answer)
 * ride along with the next awaited batch, or leave after `lingerMs`. One NATS connection keeps
 * batches in publication order and events keep their order within a batch, so a request's awaited
 * events are stored before anything recorded after them. A retried background event may be stored
 * after later batches (in a new batch: audit deduplicates by event id, so a retry is harmless).
 *
 * `record` resolves when every one of its events is stored and rejects if the bus refused its batch
 * (the caller fails closed). `recordLater` is for events after the caller has its answer: a refused
 * batch's background events are retried with backoff, within a bounded queue; what overflows is
 * dropped, counted and logged.
 */
export class EventsRecorder implements EventsPort {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private backoffUntil = 0;
  /** The linger or backoff timer, when a send waits for one. */
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private dropped = 0;
  private queuedLater = 0;
  private queuedAwaited = 0;
  private stopping = false;
  private idle: (() => void)[] = [];
  private readonly options: Required<EventsRecorderOptions>;

  constructor(
    private readonly publish: BatchPublish,
    private readonly source: string,
    private readonly ids: IdSource,
    private readonly logger: Logger,
    options: EventsRecorderOptions = {},
  ) {
    this.options = { maxInFlight: 1, lingerMs: 5, maxBatchEvents: 512, maxBatchBytes: 512 * 1024, maxQueued: 10_000, retryForMs: 60_000, now: Date.now, accepting: () => true, ...options };
  }

  record(events: readonly GatewayEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (!this.options.accepting()) return Promise.reject(new Error('the event stream is nearly full: audit has not recorded enough of it yet'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: events.length, failed: false, resolve, reject };
      for (const event of events) this.queue.push(this.pending(event, waiter));
      this.queuedAwaited += events.length;
      this.schedule();
    });
  }

  recordLater(events: readonly GatewayEvent[]): void {
    for (const event of events) {
      if (this.queuedLater >= this.options.maxQueued) {
        this.dropped++;
        if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.error({ dropped: this.dropped, requestId: event.requestId }, 'event queue full: events dropped');
        continue;
      }
      this.queuedLater++;
      this.queue.push(this.pending(event, undefined));
    }
    this.schedule();
  }

  /** Events dropped because the queue was full, since start. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** On shutdown: keeps publishing what is queued for at most `deadlineMs`, then reports the rest. */
  async flush(deadlineMs = 5000): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<void>((resolve) => {
      if (this.queue.length === 0 && this.inFlight === 0) return resolve();
      this.idle.push(resolve);
      this.backoffUntil = 0;
      this.cancelTimer();
      this.schedule();
    });
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
    clearTimeout(this.timer);
    if (this.queue.length > 0) this.logger.error({ lost: this.queue.length }, 'events not recorded before shutdown');
  }

  private pending(event: GatewayEvent, waiter: Waiter | undefined): Pending {
    const bytes = eventsV1.Event.encode(eventToProto(event, this.source)).finish();
    const about = { id: event.id, requestId: event.requestId, kind: event.kind };
    return waiter ? { about, bytes, waiter, giveUpAt: 0 } : { about, bytes, giveUpAt: this.options.now() + this.options.retryForMs };
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.inFlight >= this.options.maxInFlight) return;
    const now = this.options.now();
    // A caller waiting on its events goes at once (requests arriving together leave together) and
    // is never kept behind a retry's backoff: it tries now, and fails
    // closed at once if the bus still refuses. Background events only linger for company, and wait
    // out a backoff; one batch of them at a time.
    let wait: number;
    if (this.queuedAwaited > 0) wait = 0;
    else if (this.inFlight > 0) return; // they leave when the batch in flight is acked
    else wait = Math.max(this.backoffUntil - now, this.stopping ? 0 : this.options.lingerMs);
    if (wait > 0) {
      if (this.scheduled) return;
      this.scheduled = true;
      this.timer = setTimeout(() => this.send(), wait);
      return;
    }
    this.cancelTimer();
    if (this.scheduled) return;
    this.scheduled = true;
    // Nothing in flight: leave as soon as the current callback is done (the caller is alone, or
    // its company is already queued). Otherwise the next ack sends whatever gathered meanwhile.
    if (this.inFlight === 0) queueMicrotask(() => this.send());
    else setImmediate(() => this.send());
  }

  /** Drops a pending linger or backoff timer: what it would send goes sooner. */
  private cancelTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
  }

  private send(): void {
    this.scheduled = false;
    this.timer = undefined;
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight && (this.queuedAwaited > 0 || this.inFlight === 0)) {
      const batch = this.take();
      this.inFlight++;
      this.publish(this.ids.next(), batch.map((p) => p.bytes)).then(
        () => this.settled(batch, undefined),
        (err: unknown) => this.settled(batch, err instanceof Error ? err : new Error(String(err))),
      );
    }
  }

  private take(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.options.maxBatchEvents) {
      bytes += this.queue[count]!.bytes.length + 8; // the length prefix of each element
      if (count > 0 && bytes > this.options.maxBatchBytes) break;
      count++;
    }
    const batch = this.queue.splice(0, count);
    for (const item of batch) if (item.waiter) this.queuedAwaited--;
    return batch;
  }

  private settled(batch: readonly Pending[], err: Error | undefined): void {
    this.inFlight--;
    if (!err) {
      this.failures = 0;
      for (const item of batch) {
        if (!item.waiter) this.queuedLater--;
        else if (--item.waiter.remaining === 0 && !item.waiter.failed) item.waiter.resolve();
      }
    } else {
      this.failures++;
      const now = this.options.now();
      const retry: Pending[] = [];
      for (const item of batch) {
        if (item.waiter) {
          if (!item.waiter.failed) {
            item.waiter.failed = true;
            item.waiter.reject(err);
          }
        } else if (item.giveUpAt > now && !this.stopping) {
          retry.push(item);
        } else {
          this.queuedLater--;
          this.logger.error({ requestId: item.about.requestId, eventId: item.about.id, type: item.about.kind }, 'event lost: the bus did not accept it in time');
        }
      }
      // Refused background events go back to the front, in their order, after a backoff.
      this.queue.unshift(...retry);
      if (retry.length > 0) {
        this.backoffUntil = now + Math.min(2000, 100 * 2 ** (this.failures - 1));
        this.logger.warn({ failed: retry.length, attempt: this.failures, err: err.message }, 'event publish failed, retrying');
      }
    }
    if (this.queue.length === 0 && this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    this.schedule();
  }
}
