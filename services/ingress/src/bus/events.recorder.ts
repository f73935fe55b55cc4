import type { EventPublisher } from '@portcullis/bus';
import type { eventsV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { EventsPort } from '../domain/ports.js';

/**
 * Durable event recording for the gateway. `record` pipelines the publishes (NATS keeps one
 * connection's messages in order, so the stream stores them in the order given) and resolves when
 * JetStream has acknowledged them all. `recordLater` is for events after the caller has its answer:
 * it retries with backoff, one event at a time so order holds, and its queue is flushed on stop.
 */
export class EventsRecorder implements EventsPort {
  private queue: eventsV1.Event[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly retryForMs = 60_000,
  ) {}

  async record(events: readonly eventsV1.Event[]): Promise<void> {
    await Promise.all(events.map((event) => this.publisher.publish(event)));
  }

  recordLater(event: eventsV1.Event): void {
    this.queue.push(event);
    this.running ??= this.drainQueue().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits for queued events (bounded by each event's retry window). */
  async flush(): Promise<void> {
    this.stopping = true;
    while (this.running) await this.running;
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      for (let i = 0; i < batch.length; i++) {
        const event = batch[i]!;
        if (!(await this.publishWithRetry(event))) {
          this.logger.error({ requestId: event.requestId, eventId: event.id, type: event.body?.$case }, 'event lost: the bus did not accept it within the retry window');
        }
      }
    }
  }

  private async publishWithRetry(event: eventsV1.Event): Promise<boolean> {
    const deadline = Date.now() + this.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.publisher.publish(event); // same id on every attempt: JetStream deduplicates
        return true;
      } catch (err) {
        if (Date.now() > deadline || (this.stopping && attempt > 3)) return false;
        this.logger.warn({ requestId: event.requestId, err: (err as Error).message, attempt }, 'event publish failed, retrying');
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }
}
