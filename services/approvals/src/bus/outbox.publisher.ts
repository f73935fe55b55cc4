import type { Kysely } from 'kysely';
import { OutboxRelay, type BusNames, type EventPublisher } from '@portcullis/bus';
import type { HealthLog, Logger } from '@portcullis/service-kit';
import type { ApprovalsDB } from '../db/approvals.table.js';
import { lockPublishable, markPublished, type PendingOutboxRow } from '../db/outbox.repository.js';

/**
 * The relay of committed events from `approvals.outbox` to JetStream, oldest first. Rows are locked
 * FOR UPDATE SKIP LOCKED, so relays of several instances share the work without publishing a row
 * twice, and a hold's events go out in order (see lockPublishable).
 */
export function approvalsOutboxRelay(db: Kysely<ApprovalsDB>, publisher: EventPublisher, names: BusNames, logger: Logger, health: HealthLog): OutboxRelay<PendingOutboxRow> {
  return new OutboxRelay<PendingOutboxRow>({
    batch: (limit, publish) =>
      db.transaction().execute(async (trx) => {
        const rows = await lockPublishable(trx, limit);
        await markPublished(trx, await publish(rows));
      }),
    publisher,
    names,
    logger,
    health,
    describe: (row) => ({ holdId: row.holdId }),
  });
}
