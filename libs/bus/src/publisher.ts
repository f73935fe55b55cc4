import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { eventsV1 } from '@portcullis/proto-gen';
import { BATCH_TYPE, eventType, type BusNames } from './names.js';

export type EventBody = NonNullable<eventsV1.Event['body']>;

/** Builds an event envelope with a fresh id (used as JetStream message id and audit key). */
export function newEvent(fields: { requestId: string; connection: string; source: string; body: EventBody; id?: string; occurredAt?: Date; sessionId?: string }): eventsV1.Event {
  return {
    id: fields.id ?? randomUUID(),
    occurredAt: fields.occurredAt ?? new Date(),
    requestId: fields.requestId,
    connection: fields.connection,
    source: fields.source,
    sessionId: fields.sessionId ?? '',
    body: fields.body,
  };
}

export const EVENT_TYPE_HEADER = 'Portcullis-Event-Type';

/**
 * Publishes events durably: the returned promise resolves only once JetStream has stored the event
 * (publish ack). The event id is the message id, so a retried publish is deduplicated by the server.
 */
export class EventPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly names: BusNames,
  ) {}

  async publish(event: eventsV1.Event): Promise<number> {
    const h = headers();
    h.set(EVENT_TYPE_HEADER, eventType(event));
    const ack = await this.js.publish(this.names.eventSubject(event), eventsV1.Event.encode(event).finish(), {
      msgID: event.id,
      headers: h,
      expect: { streamName: this.names.eventsStream },
    });
    return ack.seq;
  }

  /**
   * Publishes several events (each already encoded as an Event) as one message (group commit): one
   * publish, one ack, one delivery to audit. Resolves once JetStream has stored the batch.
   * `batchId` is the message id (JetStream drops a repeat of the same batch within its window);
   * audit also deduplicates each event by its own id, which is what makes a retry in another batch
   * harmless.
   */
  async publishBatch(batchId: string, source: string, events: readonly Uint8Array[]): Promise<number> {
    const h = headers();
    h.set(EVENT_TYPE_HEADER, BATCH_TYPE);
    const payload = eventsV1.EventBatch.encode({ events: events.map(toBuffer) }).finish();
    const ack = await this.js.publish(this.names.batchSubject(source, batchId), payload, {
      msgID: `batch:${batchId}`,
      headers: h,
      expect: { streamName: this.names.eventsStream },
    });
    return ack.seq;
  }
}

/** A Buffer over the same bytes (no copy). */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
