import { eventsV1 } from '@portcullis/proto-gen';

type EventBody = NonNullable<eventsV1.Event['body']>;
export type EventKind = EventBody['$case'];

/** "requestReceived" -> ["request", "received"]: the domain and type tokens of an event's subject. */
export const EVENT_TOKENS: Readonly<Record<EventKind, readonly [string, string]>> = {
  requestReceived: ['request', 'received'],
  decisionMade: ['decision', 'made'],
  approvalRequested: ['approval', 'requested'],
  approvalGranted: ['approval', 'granted'],
  approvalDenied: ['approval', 'denied'],
  approvalExpired: ['approval', 'expired'],
  approvalRecorded: ['approval', 'recorded'],
  approvalCancelled: ['approval', 'cancelled'],
  grantUsed: ['grant', 'used'],
  grantRevoked: ['grant', 'revoked'],
  requestCompleted: ['request', 'completed'],
  sessionStarted: ['session', 'started'],
  sessionEnded: ['session', 'ended'],
  policyChanged: ['policy', 'changed'],
  toolDefinitionChanged: ['tool', 'changed'],
  toolDefinitionApproved: ['tool', 'approved'],
  authenticationFailed: ['auth', 'failed'],
  identityRevoked: ['identity', 'revoked'],
  identityUnrevoked: ['identity', 'unrevoked'],
  releaseRefused: ['release', 'refused'],
};

/** Stands in a subject for a connection or request the event does not have. */
export const NO_TOKEN = '_';

/** Ids that go into subjects: one token, no wildcards, no dots. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Stream and subject names for one namespace. Production uses "portcullis"; tests use their own
 * namespace so that several stacks can share one NATS server without seeing each other's events.
 *
 * Event subjects are `<ns>.evt.<domain>.<type>.<connection>.<requestId>`, so a consumer can filter
 * by kind, by connection or by request (the gateway waits on `<ns>.evt.approval.*.*.<requestId>`).
 * Session events carry the session id where the request id would be; an event without a
 * connection or id has `_` there. Several events published as one message (group commit) go to
 * `<ns>.evt.batch.<service>.<instance>.<batchId>`: the service token is what NATS permissions bind
 * to the publisher's identity, and what audit checks every event in the batch against.
 */
export class BusNames {
  readonly eventsStream: string;
  readonly auditStream: string;
  readonly allEvents: string;
  readonly allAudit: string;
  /** NATS request/reply subject on which policy instances answer DecideRequest (queue group "policy"). */
  readonly policyDecide: string;
  /** MCP lists: which names a principal may use (policy answers; JSON request/reply). */
  readonly policyVisible: string;

  constructor(readonly namespace: string) {
    if (!/^[a-z][a-z0-9]{0,31}$/.test(namespace)) throw new Error(`invalid bus namespace "${namespace}"`);
    const upper = namespace.toUpperCase();
    this.eventsStream = `${upper}_EVENTS`;
    this.auditStream = `${upper}_AUDIT`;
    this.allEvents = `${namespace}.evt.>`;
    this.allAudit = `${namespace}.audit.>`;
    this.policyDecide = `${namespace}.rpc.policy.decide`;
    this.policyVisible = `${namespace}.rpc.policy.visible`;
  }

  eventSubject(event: eventsV1.Event): string {
    const kind = event.body?.$case;
    if (!kind) throw new Error(`event ${event.id} has no body`);
    const [domain, type] = EVENT_TOKENS[kind];
    const id = event.requestId || event.sessionId || NO_TOKEN;
    return `${this.namespace}.evt.${domain}.${type}.${subjectToken(event.connection || NO_TOKEN)}.${subjectToken(id)}`;
  }

  /**
   * The subject of a batch of events from `source` ("<service>:<instance>", e.g. "ingress:ingress-1"):
   * `<ns>.evt.batch.<service>.<instance>.<batchId>`.
   */
  batchSubject(source: string, batchId: string): string {
    const colon = source.indexOf(':');
    const service = colon < 0 ? source : source.slice(0, colon);
    const instance = colon < 0 ? '' : source.slice(colon + 1);
    return `${this.namespace}.evt.${BATCH_TYPE}.${subjectToken(service)}.${subjectToken(instance.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128) || NO_TOKEN)}.${subjectToken(batchId)}`;
  }

  /** The service token of a batch subject (what NATS permissions bound to its publisher), if it is one. */
  batchPublisher(subject: string): string | undefined {
    const tokens = subject.split('.');
    return tokens.length === 6 && tokens[0] === this.namespace && tokens[1] === 'evt' && tokens[2] === BATCH_TYPE ? tokens[3] : undefined;
  }

  /** The one subject of PolicyChanged events (they have no connection or request id). */
  get policyChangedSubject(): string {
    return `${this.namespace}.evt.policy.changed.${NO_TOKEN}.${NO_TOKEN}`;
  }

  /** Where policy instances announce the rule set they decide with (PolicyChanged events). */
  get policyChanges(): string {
    return `${this.namespace}.evt.policy.changed.>`;
  }

  /** Revocations and their lifting: every ingress instance follows them to end sessions at once. */
  get identityChanges(): string {
    return `${this.namespace}.evt.identity.*.>`;
  }

  /** Every approval event, of any request (what ingress may subscribe to). */
  get allApprovalEvents(): string {
    return `${this.namespace}.evt.approval.>`;
  }

  /** Every approval outcome (and request) for one request id. */
  approvalEventsFor(requestId: string): string {
    return `${this.namespace}.evt.approval.*.*.${subjectToken(requestId)}`;
  }
}

/** Value of the event-type header on a batch message. */
export const BATCH_TYPE = 'batch';

/** The dotted type name of an event, e.g. "request.received". */
export function eventType(event: eventsV1.Event): string {
  const kind = event.body?.$case;
  if (!kind) return 'unknown';
  return EVENT_TOKENS[kind].join('.');
}

function subjectToken(value: string): string {
  if (!SUBJECT_TOKEN.test(value)) throw new Error(`"${value}" cannot be used in a subject`);
  return value;
}
