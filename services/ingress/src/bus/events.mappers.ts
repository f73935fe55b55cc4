import { principalToProto } from '@portcullis/identity-client';
import { targetToProto } from '@portcullis/request-model';
import { eventsV1 } from '@portcullis/proto-gen';
import type { GatewayEvent, Outcome, ProtocolStatus, SessionEndReason } from '../domain/events.js';
import { decisionToProto } from './decision.mappers.js';

const OUTCOMES: Record<Outcome, eventsV1.Outcome> = {
  forwarded: eventsV1.Outcome.OUTCOME_FORWARDED,
  denied: eventsV1.Outcome.OUTCOME_DENIED,
  failed: eventsV1.Outcome.OUTCOME_FAILED,
};

const END_REASONS: Record<SessionEndReason, eventsV1.SessionEndReason> = {
  closed: eventsV1.SessionEndReason.SESSION_END_REASON_CLOSED,
  principal_expired: eventsV1.SessionEndReason.SESSION_END_REASON_PRINCIPAL_EXPIRED,
  revoked: eventsV1.SessionEndReason.SESSION_END_REASON_REVOKED,
  shutdown: eventsV1.SessionEndReason.SESSION_END_REASON_SHUTDOWN,
  gone: eventsV1.SessionEndReason.SESSION_END_REASON_GONE,
};

/** A gateway event as the bus carries it. */
export function eventToProto(event: GatewayEvent, source: string): eventsV1.Event {
  return {
    id: event.id,
    occurredAt: event.occurredAt,
    requestId: event.requestId,
    connection: event.connection,
    source,
    sessionId: event.sessionId,
    body: bodyToProto(event),
  };
}

function bodyToProto(event: GatewayEvent): eventsV1.Event['body'] {
  switch (event.kind) {
    case 'sessionStarted':
      return { $case: 'sessionStarted', value: { principal: principalToProto(event.principal), protocol: event.protocol, clientAddress: event.clientAddress, clientUser: event.clientUser ?? '', applicationName: event.applicationName ?? '' } };
    case 'sessionEnded':
      return { $case: 'sessionEnded', value: { reason: END_REASONS[event.reason], requests: event.requests, durationUs: micros(event.durationUs) } };
    case 'requestReceived':
      return {
        $case: 'requestReceived',
        value: { principal: event.principal ? principalToProto(event.principal) : undefined, protocol: event.protocol, target: event.target ? targetToProto(event.target) : undefined },
      };
    case 'decisionMade':
      return { $case: 'decisionMade', value: { decision: decisionToProto(event.decision), fromCache: event.fromCache } };
    case 'requestCompleted':
      return {
        $case: 'requestCompleted',
        value: {
          outcome: OUTCOMES[event.outcome],
          status: statusToProto(event.status),
          durationUs: micros(event.durationUs),
          masked: { ...event.masked },
          responseBytes: BigInt(event.responseBytes),
          errorCode: event.errorCode ?? '',
          reasons: [...event.reasons],
          rows: BigInt(event.rows),
          commandTags: [...(event.commandTags ?? [])],
        },
      };
    case 'toolDefinitionChanged':
      return { $case: 'toolDefinitionChanged', value: { tool: event.tool, approvedDigest: event.approvedDigest, newDigest: event.newDigest } };
    case 'authenticationFailed':
      return {
        $case: 'authenticationFailed',
        value: { code: event.code, message: event.message, protocol: event.protocol, clientAddress: event.clientAddress, credentialType: event.credentialType, issuer: event.issuer, target: event.asked, count: event.count, windowStart: event.window?.start, windowEnd: event.window?.end },
      };
    case 'toolDefinitionApproved':
      return { $case: 'toolDefinitionApproved', value: { tool: event.tool, digest: event.digest, previousDigest: event.previousDigest, approvedBy: event.approvedBy } };
  }
}

function statusToProto(status: ProtocolStatus): eventsV1.RequestCompleted['status'] {
  if ('http' in status) return { $case: 'httpStatus', value: status.http };
  if ('sqlstate' in status) return { $case: 'sqlstate', value: status.sqlstate };
  return { $case: 'jsonrpcCode', value: status.jsonrpc };
}

function micros(value: number): bigint {
  return BigInt(Math.max(0, Math.round(value)));
}
