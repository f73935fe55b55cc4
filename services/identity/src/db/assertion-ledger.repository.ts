import { sql, type Kysely } from 'kysely';
import type { AssertionLedger } from '../saml/index.js';
import type { IdentityDB } from './identity.table.js';

/**
 * Consumed SAML assertion ids in PostgreSQL, shared by every identity instance: the primary key
 * makes the first consumer win, so an assertion replayed against another instance is refused too.
 */
export class PgAssertionLedger implements AssertionLedger {
  constructor(private readonly db: Kysely<IdentityDB>) {}

  async consume(issuer: string, assertionId: string, until: Date): Promise<boolean> {
    // An expired row of the same id (not yet swept) no longer protects anything: replace it.
    const row = await this.db
      .insertInto('consumed_assertions')
      .values({ issuer, assertion_id: assertionId, expires_at: until })
      .onConflict((oc) => oc.columns(['issuer', 'assertion_id']).doUpdateSet({ expires_at: until }).where('consumed_assertions.expires_at', '<=', sql<Date>`now()`))
      .returning('assertion_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async seen(issuer: string, assertionId: string): Promise<boolean> {
    const row = await this.db.selectFrom('consumed_assertions').select('assertion_id').where('issuer', '=', issuer).where('assertion_id', '=', assertionId).where('expires_at', '>', sql<Date>`now()`).executeTakeFirst();
    return row !== undefined;
  }
}
