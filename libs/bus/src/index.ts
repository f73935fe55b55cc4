export { BusNames, eventType, BATCH_TYPE, NO_TOKEN, type EventKind } from './names.js';
export { connectBus, ensureStreams, redactUrl, busCredentialsFromEnv, BusUnavailableError, type Bus, type BusOptions, type BusCredentials } from './connection.js';
export { EventPublisher, newEvent, EVENT_TYPE_HEADER, type EventBody } from './publisher.js';
export { OutboxRelay, type OutboxBatch, type OutboxRelayOptions, type PendingOutboxEvent } from './outbox-relay.js';
export {
  BUS_SERVICES,
  EVENT_PUBLISHERS,
  AUDIT_DURABLE,
  publisherOf,
  inboxPrefix,
  busPermissions,
  natsAuthorization,
  mcpSessionsStream,
  mcpSessionEndedSubject,
  mcpCancelSubject,
  type BusService,
  type SubjectPermissions,
  type NatsUser,
} from './permissions.js';
