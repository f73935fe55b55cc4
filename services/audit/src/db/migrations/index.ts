import type { Migration } from 'kysely';
import * as createEvents from './20251122020000-create-events.js';
import * as addSessionId from './20261202020000-add-session-id.js';
import * as expectHead from './20261202030000-expect-head.js';

/** Every migration of the audit schema, by name; applied in name (timestamp) order. */
export const migrations: Record<string, Migration> = {
  '20251122020000-create-events': createEvents,
  '20261202020000-add-session-id': addSessionId,
  '20261202030000-expect-head': expectHead,
};
