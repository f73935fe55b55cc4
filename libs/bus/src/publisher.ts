import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { eventsV1 } from '@portcullis/proto-gen';
import { eventType, type BusNames } from './names.js';

export type EventBody = NonNullable<eventsV1.Event['body']>;

/** Builds an event envelope with a fresh id (used as JetStream message id and audit key). */
export function newEvent(fields: { requestId: string; connection: string; source: string; body: EventBody; id?: string; occurredAt?: Date }): eventsV1.Event {
  return {
    id: fields.id ?? randomUUID(),
    occurredAt: fields.occurredAt ?? new Date(),
    requestId: fields.requestId,
    connection: fields.connection,
    source: fields.source,
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
}
