import type { EventPublisher } from '@portcullis/bus';
import type { eventsV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { EventsPort } from '../domain/ports.js';

export interface EventsRecorderOptions {
  /** Events waiting for the bus beyond this are dropped (and counted): memory stays bounded. */
  readonly maxQueued?: number;
  /** How long one event is retried before it is given up. */
  readonly retryForMs?: number;
  /** Events published per round trip while draining. */
  readonly batchSize?: number;
}

interface Queued {
  readonly event: eventsV1.Event;
  readonly giveUpAt: number;
}

/**
 * Durable event recording for the gateway. `record` pipelines the publishes (one NATS connection
 * keeps them in order, so the stream stores them in the order given) and resolves when JetStream
 * has acknowledged them all. `recordLater` is for events after the caller has its answer: they are
 * published in pipelined batches and retried with backoff. The queue is bounded so a flood (or a
 * bus outage) cannot exhaust memory; what overflows is dropped, counted and logged.
 */
export class EventsRecorder implements EventsPort {
  private queue: Queued[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;
  private dropped = 0;
  private readonly maxQueued: number;
  private readonly retryForMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    options: EventsRecorderOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 10_000;
    this.retryForMs = options.retryForMs ?? 60_000;
    this.batchSize = options.batchSize ?? 256;
  }

  async record(events: readonly eventsV1.Event[]): Promise<void> {
    await Promise.all(events.map((event) => this.publisher.publish(event)));
  }

  recordLater(event: eventsV1.Event): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.error({ dropped: this.dropped, queued: this.queue.length, requestId: event.requestId }, 'event queue full: events dropped');
      }
      return;
    }
    this.queue.push({ event, giveUpAt: Date.now() + this.retryForMs });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Events dropped because the queue was full, since start. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** On shutdown: keeps publishing what is queued for at most `deadlineMs`, then reports the rest. */
  async flush(deadlineMs = 5000): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + deadlineMs;
    while (this.running && Date.now() < deadline) {
      await Promise.race([this.running, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
    if (this.queue.length > 0) this.logger.error({ lost: this.queue.length }, 'events not recorded before shutdown');
  }

  private async drain(): Promise<void> {
    let attempt = 0;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      const results = await Promise.allSettled(batch.map((item) => this.publisher.publish(item.event)));
      const failed = batch.filter((_, i) => results[i]!.status === 'rejected');
      if (failed.length === 0) {
        attempt = 0;
        continue;
      }
      const now = Date.now();
      const retry = failed.filter((item) => item.giveUpAt > now && !this.stopping);
      for (const item of failed.filter((item) => !retry.includes(item))) {
        this.logger.error({ requestId: item.event.requestId, eventId: item.event.id, type: item.event.body?.$case }, 'event lost: the bus did not accept it in time');
      }
      // Failed events go back to the front, in their order, after a backoff.
      this.queue.unshift(...retry);
      if (retry.length > 0) {
        this.logger.warn({ failed: retry.length, attempt }, 'event publish failed, retrying');
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt++)));
      }
    }
  }
}
