import { newEvent, type EventBody } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import { targetToProto } from '@portcullis/request-model';
import type { Hold } from './domain/index.js';
import type { OutboxEvent } from './db/outbox.repository.js';

/**
 * The event announcing a hold's current state: ApprovalRequested (with the held target, so an
 * approver sees exactly what would run) for a pending hold, then Granted/Denied/Expired once
 * resolved, each in the hold's session. Ids are deterministic (`<holdId>.<kind>`), and a hold
 * changes state once, so a retried publish is deduplicated by JetStream and by audit.
 */
export function approvalEvent(hold: Hold, source: string): eventsV1.Event {
  const [suffix, body, occurredAt] = eventBody(hold);
  return newEvent({ id: `${hold.id}.${suffix}`, requestId: hold.requestId, connection: hold.connection, sessionId: hold.sessionId, source, body, occurredAt });
}

/** The outbox row that carries the event for the hold's current state. */
export function outboxEventFor(hold: Hold, source: string): OutboxEvent {
  const event = approvalEvent(hold, source);
  return { eventId: event.id, holdId: hold.id, payload: eventsV1.Event.encode(event).finish() };
}

function eventBody(hold: Hold): [string, EventBody, Date] {
  const resolvedAt = hold.resolvedAt ?? hold.createdAt;
  switch (hold.status) {
    case 'pending':
      return [
        'requested',
        {
          $case: 'approvalRequested',
          value: {
            holdId: hold.id,
            approverGroups: [...hold.approverGroups],
            expiresAt: hold.expiresAt,
            reasons: [...hold.reasons],
            requester: hold.requester.subject,
            target: targetToProto(hold.target),
          },
        },
        hold.createdAt,
      ];
    case 'approved':
      return ['granted', { $case: 'approvalGranted', value: { holdId: hold.id, approver: hold.resolvedBy ?? '' } }, resolvedAt];
    case 'denied':
      return ['denied', { $case: 'approvalDenied', value: { holdId: hold.id, approver: hold.resolvedBy ?? '', reason: hold.resolutionReason ?? '' } }, resolvedAt];
    case 'expired':
      return ['expired', { $case: 'approvalExpired', value: { holdId: hold.id } }, resolvedAt];
  }
}
