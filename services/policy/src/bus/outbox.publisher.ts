import type { Kysely } from 'kysely';
import { ensureStreams, OutboxRelay, type Bus, type BusNames, type EventPublisher, type StreamLimits } from '@portcullis/bus';
import type { HealthLog, Logger } from '@portcullis/service-kit';
import { lockPublishable, markPublished, type PendingOutboxRow } from '../db/outbox.repository.js';
import type { PolicyDB } from '../db/policy.table.js';

/**
 * The relay of committed PolicyChanged events from `policy.outbox` to JetStream: exactly one stored
 * event per revision, in version order (one relay at a time across instances: the advisory lock
 * `lockPublishable` takes).
 */
export function policyOutboxRelay(db: Kysely<PolicyDB>, bus: Pick<Bus, 'jsm'>, publisher: EventPublisher, names: BusNames, logger: Logger, health: HealthLog, limits: StreamLimits = {}): OutboxRelay<PendingOutboxRow> {
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
    describe: (row) => ({ policyVersion: String(row.version) }),
    // A stream that would not store them (missing, or not capturing the subject) is an error
    // before anything is sent: core subscribers would otherwise hear events not yet recorded.
    beforePublish: () => ensureStreams(bus.jsm, names, limits),
    published: (row, seq) => logger.info({ eventId: row.eventId, policyVersion: String(row.version), seq }, 'policy change announced'),
  });
}
