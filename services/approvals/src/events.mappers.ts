import { newEvent, type EventBody } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import { targetToProto } from '@portcullis/request-model';
import { distinctApprovers, type Approval, type Grant, type Hold } from './domain/index.js';
import type { OutboxEvent } from './db/outbox.repository.js';

/**
 * The event announcing a hold's current state: ApprovalRequested (with the held target, so an
 * approver sees exactly what would run) for a pending hold, then Granted/Denied/Expired/Cancelled once
 * resolved — or GrantUsed for a hold a grant released as it was created — each in the hold's
 * session. Each event gets a fresh random id, stored with it in the outbox in the transaction that
 * changed the hold (a hold changes state once), so a retried publish carries the same id and is
 * deduplicated by JetStream and by audit. Ids are unpredictable on purpose: JetStream keeps the first
 * message of an id, so a guessable one (`<holdId>.granted`) could be taken by a forger first.
 */
export function approvalEvent(hold: Hold, source: string): eventsV1.Event {
  const [body, occurredAt] = eventBody(hold);
  return envelope(hold, body, occurredAt, source);
}

/**
 * ApprovalRecorded for the latest approval of a hold that stays pending (a quorum not yet reached),
 * written once, under the hold's lock, with the approval it records.
 */
export function approvalRecordedEvent(hold: Hold, source: string): eventsV1.Event {
  const latest = hold.approvals.at(-1);
  if (hold.status !== 'pending' || !latest) throw new Error(`hold ${hold.id} has no approval to record`);
  const count = distinctApprovers(hold.approvals);
  const body: EventBody = { $case: 'approvalRecorded', value: { holdId: hold.id, approver: approverToProto(latest), approvals: count, minApprovals: hold.minApprovals } };
  return envelope(hold, body, latest.approvedAt, source);
}

/** GrantRevoked, about the request whose release issued the grant (a grant is revoked once). */
export function grantRevokedEvent(grant: Grant, source: string): eventsV1.Event {
  if (!grant.revokedAt) throw new Error(`grant ${grant.id} is not revoked`);
  const body: EventBody = { $case: 'grantRevoked', value: { grantId: grant.id, holdId: grant.holdId, revokedBy: grant.revokedBy ?? '', reason: grant.revocationReason ?? '' } };
  // Session-less: a grant outlives the session of the request that earned it.
  return newEvent({ requestId: grant.requestId, connection: grant.connection, source, body, occurredAt: grant.revokedAt });
}

/** ReleaseRefused: the gateway did not forward a released hold's request (reported once per hold). */
export function releaseRefusedEvent(hold: Hold, source: string): eventsV1.Event {
  const release = hold.release;
  if (!release || release.forwarded) throw new Error(`hold ${hold.id} has no refused release`);
  const body: EventBody = { $case: 'releaseRefused', value: { holdId: hold.id, code: release.code ?? '', message: release.message ?? '' } };
  return envelope(hold, body, release.reportedAt, source);
}

/** The outbox row that carries the event for the hold's current state. */
export function outboxEventFor(hold: Hold, source: string): OutboxEvent {
  return outboxRow(approvalEvent(hold, source), hold.id);
}

/** The outbox row carrying `event`, published in order with the other events of `holdId`. */
export function outboxRow(event: eventsV1.Event, holdId: string): OutboxEvent {
  return { eventId: event.id, holdId, payload: eventsV1.Event.encode(event).finish() };
}

function envelope(hold: Hold, body: EventBody, occurredAt: Date, source: string): eventsV1.Event {
  return newEvent({ requestId: hold.requestId, connection: hold.connection, sessionId: hold.sessionId, source, body, occurredAt });
}

function eventBody(hold: Hold): [EventBody, Date] {
  const resolvedAt = hold.resolvedAt ?? hold.createdAt;
  switch (hold.status) {
    case 'pending':
      return [
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
    case 'approved': {
      const grant = hold.grantedBy;
      if (grant) {
        const value = { holdId: hold.id, grantId: grant.id, grantHoldId: grant.holdId, grantExpiresAt: grant.expiresAt, requester: hold.requester.subject, approvers: grant.approvals.map(approverToProto) };
        return [{ $case: 'grantUsed', value }, resolvedAt];
      }
      const issued = hold.issuedGrant;
      const value = {
        holdId: hold.id,
        approver: hold.resolvedBy ?? '',
        approvers: hold.approvals.map(approverToProto),
        grantId: issued?.id ?? '',
        grantExpiresAt: issued?.expiresAt,
      };
      return [{ $case: 'approvalGranted', value }, resolvedAt];
    }
    case 'denied':
      return [{ $case: 'approvalDenied', value: { holdId: hold.id, approver: hold.resolvedBy ?? '', reason: hold.resolutionReason ?? '' } }, resolvedAt];
    case 'expired':
      return [{ $case: 'approvalExpired', value: { holdId: hold.id } }, resolvedAt];
    case 'cancelled':
      return [{ $case: 'approvalCancelled', value: { holdId: hold.id, reason: hold.resolutionReason ?? '' } }, resolvedAt];
  }
}

function approverToProto(approval: Approval): eventsV1.Approver {
  return { issuer: approval.issuer, subject: approval.subject, approvedAt: approval.approvedAt };
}
