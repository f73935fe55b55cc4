import type { eventsV1 } from '@portcullis/proto-gen';
import { EVENT_TOKENS, type BusNames, type EventKind } from './names.js';

/** The services that connect to NATS, each with its own identity (masking has no bus). */
export const BUS_SERVICES = ['ingress', 'policy', 'approvals', 'identity', 'audit'] as const;
export type BusService = (typeof BUS_SERVICES)[number];

/**
 * Which service publishes each kind of event: the one source of truth for the publish
 * permissions each identity gets on NATS and for audit's check that an event arrived on a subject
 * only its publisher may use. Exhaustive: a new event kind does not compile until it has one.
 */
export const EVENT_PUBLISHERS: Readonly<Record<EventKind, BusService>> = {
  requestReceived: 'ingress',
  decisionMade: 'ingress',
  requestCompleted: 'ingress',
  sessionStarted: 'ingress',
  sessionEnded: 'ingress',
  authenticationFailed: 'ingress',
  toolDefinitionChanged: 'ingress',
  toolDefinitionApproved: 'ingress',
  approvalRequested: 'approvals',
  approvalGranted: 'approvals',
  approvalDenied: 'approvals',
  approvalExpired: 'approvals',
  approvalRecorded: 'approvals',
  approvalCancelled: 'approvals',
  grantUsed: 'approvals',
  grantRevoked: 'approvals',
  releaseRefused: 'approvals',
  policyChanged: 'policy',
  identityRevoked: 'identity',
  identityUnrevoked: 'identity',
};

/** The service whose identity alone may publish `event`; undefined for an event without a body. */
export function publisherOf(event: eventsV1.Event): BusService | undefined {
  const kind = event.body?.$case;
  return kind ? EVENT_PUBLISHERS[kind] : undefined;
}

/**
 * Each identity's own inbox prefix. Replies (JetStream acks, decision replies) come back on
 * `<prefix>.…`, which only that identity may subscribe to; nobody but the server and a responder
 * allowed to answer a request the identity sent can publish there.
 */
export function inboxPrefix(service: BusService): string {
  return `_INBOX_${service}`;
}

/**
 * Whether `reply` is somebody's inbox (`_INBOX.…` or a service's `_INBOX_<service>.…`), the only
 * place a responder should ever answer: a request whose reply names any other subject (a
 * JetStream API subject, an event subject) is an attempt to make the responder publish there.
 */
export function isInboxReply(reply: string | undefined): boolean {
  return reply !== undefined && /^_INBOX(_[a-z]+)?\.[A-Za-z0-9_.-]+$/.test(reply);
}

/** NATS subject permissions of one identity, as nats-server's configuration spells them. */
export interface SubjectPermissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  // No identity gets nats-server's `allow_responses`: it is checked only after allow and deny
  // refused a subject, so a requester could aim the answer at any subject (a stream purge).
  // Policy answers into ingress's inbox, which its allow list names.
}

/** Name of audit's durable consumer on the events stream: no other identity may read or ack from it. */
export const AUDIT_DURABLE = 'audit';

/**
 * Least privilege per service, for one namespace:
 * - ingress publishes request, decision, session, authentication and tool events (as batches under
 *   `evt.batch.ingress.…`), asks policy for decisions, and follows approvals, policy changes,
 *   revocations and its own MCP session streams;
 * - policy answers decision requests (only it may subscribe to them; its answers may go only to
 *   ingress's inbox) and publishes PolicyChanged;
 * - approvals publishes approval and grant events, identity revocations;
 * - audit reads and acknowledges its durable consumer and trims what it has recorded.
 * Each may create the shared streams if they are missing, read their state, and publish events
 * of its own kinds only. No identity may pull from, ack on or delete audit's consumer but audit.
 */
export function busPermissions(names: BusNames, service: BusService): SubjectPermissions {
  const ns = names.namespace;
  const events = names.eventsStream;
  const api = '$JS.API';
  const own = (Object.keys(EVENT_PUBLISHERS) as EventKind[]).filter((kind) => EVENT_PUBLISHERS[kind] === service).map((kind) => `${ns}.evt.${EVENT_TOKENS[kind].join('.')}.>`);
  const streams = [names.eventsStream, names.auditStream].flatMap((s) => [`${api}.STREAM.INFO.${s}`, `${api}.STREAM.CREATE.${s}`]);
  const common = { publish: [`${api}.INFO`, ...streams, ...own], subscribe: [`${inboxPrefix(service)}.>`] };
  // Everything that reads, acks, changes (a create of an existing durable is an update) or deletes
  // audit's consumer: audit's alone, denied to every other identity whatever its allow list says.
  const auditConsumer = [
    `${api}.CONSUMER.MSG.NEXT.${events}.${AUDIT_DURABLE}`,
    `${api}.CONSUMER.DELETE.${events}.${AUDIT_DURABLE}`,
    `${api}.CONSUMER.CREATE.${events}.${AUDIT_DURABLE}`,
    `${api}.CONSUMER.CREATE.${events}.${AUDIT_DURABLE}.>`,
    `${api}.CONSUMER.DURABLE.CREATE.${events}.${AUDIT_DURABLE}`,
    `${api}.CONSUMER.INFO.${events}.${AUDIT_DURABLE}`,
    `$JS.ACK.${events}.${AUDIT_DURABLE}.>`,
  ];
  const of = (publish: string[], subscribe: string[]): SubjectPermissions => ({
    publish: { allow: [...common.publish, ...publish], deny: service === 'audit' ? [] : auditConsumer },
    subscribe: { allow: [...common.subscribe, ...subscribe], deny: [] },
  });
  switch (service) {
    case 'ingress': {
      const sessions = mcpSessionsStream(ns);
      return of(
        [
          `${ns}.evt.batch.ingress.>`,
          names.policyDecide,
          names.policyVisible,
          mcpSessionEndedSubject(ns),
          mcpCancelSubject(ns),
          // Revocations are followed with an ordered consumer filtered to identity events only.
          `${api}.CONSUMER.CREATE.${events}.*.${ns}.evt.identity.>`,
          `${api}.CONSUMER.MSG.NEXT.${events}.*`,
          `${api}.CONSUMER.INFO.${events}.*`,
          `${api}.CONSUMER.DELETE.${events}.*`,
          // The last PolicyChanged, read at start.
          `${api}.STREAM.MSG.GET.${events}`,
          `${api}.STREAM.INFO.${sessions}`,
          `${api}.STREAM.CREATE.${sessions}`,
          `${api}.CONSUMER.CREATE.${sessions}`,
          `${api}.CONSUMER.CREATE.${sessions}.>`,
          `${api}.CONSUMER.MSG.NEXT.${sessions}.*`,
          `${api}.CONSUMER.INFO.${sessions}.*`,
          `${api}.CONSUMER.DELETE.${sessions}.*`,
        ],
        [names.allApprovalEvents, names.policyChanges, mcpCancelSubject(ns)],
      );
    }
    case 'policy':
      return of([`${inboxPrefix('ingress')}.>`], [names.policyDecide, names.policyVisible, names.policyChanges]);
    case 'approvals':
    case 'identity':
      return of([], []);
    case 'audit':
      return of(
        [
          `${api}.CONSUMER.CREATE.${events}.${AUDIT_DURABLE}`,
          `${api}.CONSUMER.CREATE.${events}.${AUDIT_DURABLE}.>`,
          `${api}.CONSUMER.DURABLE.CREATE.${events}.${AUDIT_DURABLE}`,
          `${api}.CONSUMER.INFO.${events}.${AUDIT_DURABLE}`,
          ...auditConsumer,
          // Trims what it has recorded (never beyond its own ack floor); reads the oldest unrecorded event's time (lag).
          `${api}.STREAM.PURGE.${events}`,
          `${api}.STREAM.MSG.GET.${events}`,
        ],
        [],
      );
  }
}

/** The stream of MCP sessions callers deleted (ingress only). */
export function mcpSessionsStream(namespace: string): string {
  return `${namespace.toUpperCase()}_MCP_SESSIONS`;
}

export function mcpSessionEndedSubject(namespace: string): string {
  return `${namespace}.mcp.session.ended`;
}

export function mcpCancelSubject(namespace: string): string {
  return `${namespace}.mcp.cancel`;
}

/** One identity in nats-server's `authorization.users`: its nkey (public) and its permissions. */
export interface NatsUser {
  readonly service: BusService;
  readonly nkey: string;
}

/**
 * The `authorization` block of a nats-server configuration (as JSON, which nats-server reads)
 * for these identities: nobody connects without one of them, and each gets its permissions.
 * `extra` adds identities outside the services (a test's administrator).
 */
export function natsAuthorization(names: BusNames, users: readonly NatsUser[], extra: readonly Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    users: [
      ...users.map((user) => {
        const p = busPermissions(names, user.service);
        return {
          nkey: user.nkey,
          permissions: {
            publish: { allow: p.publish.allow, ...(p.publish.deny.length ? { deny: p.publish.deny } : {}) },
            subscribe: { allow: p.subscribe.allow, ...(p.subscribe.deny.length ? { deny: p.subscribe.deny } : {}) },
          },
        };
      }),
      ...extra,
    ],
  };
}
