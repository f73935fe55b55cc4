export { BusNames, eventType, BATCH_TYPE, NO_TOKEN, type EventKind } from './names.js';
export { connectBus, ensureStreams, DEFAULT_EVENTS_MAX_BYTES, redactUrl, busCredentialsFromEnv, BusUnavailableError, type Bus, type BusOptions, type BusCredentials, type StreamLimits } from './connection.js';
export { EventPublisher, newEvent, EVENT_TYPE_HEADER, type EventBody } from './publisher.js';
export { OutboxRelay, type OutboxBatch, type OutboxRelayOptions, type PendingOutboxEvent } from './outbox-relay.js';
export {
  BUS_SERVICES,
  EVENT_PUBLISHERS,
  AUDIT_DURABLE,
  publisherOf,
  inboxPrefix,
  isInboxReply,
  busPermissions,
  natsAuthorization,
  mcpSessionsStream,
  mcpSessionEndedSubject,
  mcpCancelSubject,
  type BusService,
  type SubjectPermissions,
  type NatsUser,
} from './permissions.js';
