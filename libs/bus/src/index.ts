export { BusNames, eventType, BATCH_TYPE, NO_TOKEN, type EventKind } from './names.js';
export { connectBus, ensureStreams, redactUrl, BusUnavailableError, type Bus, type BusOptions } from './connection.js';
export { EventPublisher, newEvent, EVENT_TYPE_HEADER, type EventBody } from './publisher.js';
export { OutboxRelay, type OutboxBatch, type OutboxRelayOptions, type PendingOutboxEvent } from './outbox-relay.js';
