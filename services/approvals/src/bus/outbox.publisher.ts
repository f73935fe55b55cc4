import type { Kysely } from 'kysely';
import type { BusNames, EventPublisher } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import type { HealthLog, Logger } from '@portcullis/service-kit';
import type { ApprovalsDB } from '../db/approvals.table.js';
import { lockPublishable, markPublished, type PendingOutboxRow } from '../db/outbox.repository.js';

const BATCH = 100;

/**
 * Moves committed events from `approvals.outbox` to JetStream, oldest first, and marks them
 * published. Rows are locked FOR UPDATE SKIP LOCKED, so relays of several instances share the
 * work without publishing a row twice; if a relay dies between publish and mark, the retry reuses
 * the event id as message id and JetStream drops the duplicate. A failed publish stops the pass:
 * the rows stay pending for the next kick or tick.
 */
export class OutboxRelay {
  private running: Promise<number> | undefined;
  private again = false;

  constructor(
    private readonly db: Kysely<ApprovalsDB>,
    private readonly publisher: EventPublisher,
    private readonly names: BusNames,
    private readonly logger: Logger,
    private readonly health: HealthLog,
  ) {}

  /** Starts a pass now, without waiting (after a commit). Failures go to the health log. */
  kick(): void {
    this.run().then(
      () => this.health.succeeded(),
      (err: unknown) => this.health.failed(err),
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
    const { done, error } = await this.db.transaction().execute(async (trx) => {
      const rows = await lockPublishable(trx, BATCH);
      const done: string[] = [];
      let error: unknown;
      for (const row of rows) {
        try {
          await this.publishRow(row);
          done.push(row.id);
        } catch (err) {
          error = err;
          break;
        }
      }
      // Mark what went out even if a later row failed, so it is not sent again.
      await markPublished(trx, done);
      return { done, error };
    });
    if (error !== undefined) throw error;
    return done.length;
  }

  private async publishRow(row: PendingOutboxRow): Promise<void> {
    let event: eventsV1.Event;
    try {
      event = eventsV1.Event.decode(row.payload);
      this.names.eventSubject(event);
    } catch (err) {
      // Cannot happen for rows this service wrote (ids and connections are validated on create),
      // but a row that can never be published must not block every event behind it.
      this.logger.error({ err, eventId: row.eventId, holdId: row.holdId }, 'unpublishable outbox event skipped');
      return;
    }
    await this.publisher.publish(event);
  }
}
