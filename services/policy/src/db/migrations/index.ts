import type { Migration } from 'kysely';
import * as createDocumentsAndRevisions from './20261210000000-create-documents-and-revisions.js';

/** Every migration of the `policy` schema, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '20261210000000-create-documents-and-revisions': createDocumentsAndRevisions,
};
