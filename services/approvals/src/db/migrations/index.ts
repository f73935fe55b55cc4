import type { Migration } from 'kysely';
import * as createHoldsAndOutbox from './20261122000000-create-holds-and-outbox.js';
import * as addRequesterIssuer from './20261122030000-add-requester-issuer.js';
import * as addTarget from './20261202000000-add-target.js';
import * as addMessage from './20261203000000-add-message.js';
import * as addQuorumAndGrants from './20261210000000-add-quorum-and-grants.js';
import * as addRelease from './20261220000000-add-release.js';
import * as addCancelled from './20261230000000-add-cancelled.js';

/** Every migration of the `approvals` schema, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '20261122000000-create-holds-and-outbox': createHoldsAndOutbox,
  '20261122030000-add-requester-issuer': addRequesterIssuer,
  '20261202000000-add-target': addTarget,
  '20261203000000-add-message': addMessage,
  '20261210000000-add-quorum-and-grants': addQuorumAndGrants,
  '20261220000000-add-release': addRelease,
  '20261230000000-add-cancelled': addCancelled,
};
