import { eventsV1 } from '@portcullis/proto-gen';
import type { BusNames } from './names.js';
import type { EventPublisher } from './publisher.js';

/** An event committed to a service's outbox table and not yet published. */
export interface PendingOutboxEvent {
  /** Position in the outbox. */
  readonly id: string;
  readonly eventId: string;
  readonly payload: Uint8Array;
}

/**
 * One batch of a service's outbox, in one database transaction: lock up to `limit` publishable
 * rows (which rows, in which order and under which lock is the service's rule), hand them to
 * `publish`, and mark the ids it returns as published before committing.
 */
export type OutboxBatch<Row extends PendingOutboxEvent> = (limit: number, publish: (rows: readonly Row[]) => Promise<readonly string[]>) => Promise<void>;

export interface OutboxRelayOptions<Row extends PendingOutboxEvent> {
  readonly batch: OutboxBatch<Row>;
  readonly publisher: EventPublisher;
  readonly names: BusNames;
  readonly logger: { error(fields: object, message: string): void };
  /** Where the outcome of a kicked pass goes (service-kit's HealthLog). */
  readonly health: { succeeded(): void; failed(err: unknown): void };
  /** Fields that name a row in logs (its hold, its version). */
  readonly describe: (row: Row) => Record<string, unknown>;
  /** Before a non-empty batch is sent, e.g. a check that the stream will store it. */
  readonly beforePublish?: () => Promise<void>;
  /** After each event is stored, with its stream sequence. */
  readonly published?: (row: Row, seq: number) => void;
}

const BATCH = 100;

/**
 * Moves committed events from a service's outbox to JetStream and marks them published. If a relay
 * dies between publish and mark, the retry reuses the event id as message id and JetStream (and
 * audit) drop the duplicate. A failed publish ends the pass: what went out before it is marked,
 * the rest stays pending for the next kick or tick.
 */
export class OutboxRelay<Row extends PendingOutboxEvent> {
  private running: Promise<number> | undefined;
  private again = false;

  constructor(private readonly options: OutboxRelayOptions<Row>) {}

  /** Starts a pass now, without waiting (after a commit). Failures go to the health log. */
  kick(): void {
    this.run().then(
      () => this.options.health.succeeded(),
      (err: unknown) => this.options.health.failed(err),
    );
  }

  /**
   * Publishes until nothing is pending; resolves with how many events went out. Calls during a
   * pass join it and make it go round once more, so nothing committed meanwhile is left behind.
   */
  run(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.passes().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async passes(): Promise<number> {
    let total = 0;
    do {
      this.again = false;
      for (;;) {
        const published = await this.publishBatch();
        if (published === 0) break;
        total += published;
      }
    } while (this.again);
    return total;
  }

  private async publishBatch(): Promise<number> {
    let done: string[] = [];
    let error: unknown;
    await this.options.batch(BATCH, async (rows) => {
      done = [];
      error = undefined;
      if (rows.length > 0) await this.options.beforePublish?.();
      for (const row of rows) {
        try {
          await this.publishRow(row);
          done.push(row.id);
        } catch (err) {
          error = err;
          break;
        }
      }
      // Marked even if a later row failed, so what went out is not sent again.
      return done;
    });
    if (error !== undefined) throw error;
    return done.length;
  }

  private async publishRow(row: Row): Promise<void> {
    let event: eventsV1.Event;
    try {
      event = eventsV1.Event.decode(row.payload);
      this.options.names.eventSubject(event);
    } catch (err) {
      // Cannot happen for rows a service wrote, but a row that can never be published must not
      // hold back every event behind it.
      this.options.logger.error({ err, eventId: row.eventId, ...this.options.describe(row) }, 'unpublishable outbox event skipped');
      return;
    }
    const seq = await this.options.publisher.publish(event);
    this.options.published?.(row, seq);
  }
}
