import type { Kysely } from 'kysely';
import { ensureStreams, type Bus, type BusNames, type EventPublisher } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import type { HealthLog, Logger } from '@portcullis/service-kit';
import { lockPublishable, markPublished, type PendingOutboxRow } from '../db/outbox.repository.js';
import type { PolicyDB } from '../db/policy.table.js';

const BATCH = 100;

/**
 * Moves committed PolicyChanged events from `policy.outbox` to JetStream, in version order, and
 * marks them published: exactly one stored event per revision. One relay runs at a time across
 * instances (an advisory lock), so the bus sees versions in order. If a relay dies between publish
 * and mark, the retry reuses the event id as message id and JetStream (and audit) drop the
 * duplicate. A failed publish ends the pass; the rows stay pending for the next kick or tick.
 */
export class OutboxRelay {
  private running: Promise<number> | undefined;
  private again = false;

  constructor(
    private readonly db: Kysely<PolicyDB>,
    private readonly bus: Pick<Bus, 'jsm'>,
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

  /** Publishes until nothing is pending; calls during a pass make it go round once more. */
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
      // A stream that would not store them (missing, or not capturing the subject) is an error
      // before anything is sent: core subscribers would otherwise hear events not yet recorded.
      if (rows.length > 0) await ensureStreams(this.bus.jsm, this.names);
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
      // Cannot happen for rows this service wrote, but one that can never be published must not
      // hold back every revision after it.
      this.logger.error({ err, eventId: row.eventId, policyVersion: String(row.version) }, 'unpublishable policy event skipped');
      return;
    }
    const seq = await this.publisher.publish(event);
    this.logger.info({ eventId: row.eventId, policyVersion: String(row.version), seq }, 'policy change announced');
  }
}
