import type { Migration } from 'kysely';
import * as createRevocations from './20261203000000-create-revocations.js';

/** Every migration of the `identity` schema, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '20261203000000-create-revocations': createRevocations,
};
