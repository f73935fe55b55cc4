import type { Kysely } from 'kysely';
import type { AssertionLedger } from '../saml/index.js';
import type { IdentityDB } from './identity.table.js';

/**
 * Consumed SAML assertion ids in PostgreSQL, shared by every identity instance: the primary key
 * makes the first consumer win, so an assertion replayed against another instance is refused too.
 */
export class PgAssertionLedger implements AssertionLedger {
  /**
   * `now` is the verifier's clock, the one `until` comes from: expiry is compared on one clock, so a
   * database clock ahead of it cannot free an id early.
   */
  constructor(
    private readonly db: Kysely<IdentityDB>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async consume(issuer: string, assertionId: string, until: Date): Promise<boolean> {
    // An expired row of the same id (not yet swept) no longer protects anything: replace it.
    const row = await this.db
      .insertInto('consumed_assertions')
      .values({ issuer, assertion_id: assertionId, expires_at: until })
      .onConflict((oc) => oc.columns(['issuer', 'assertion_id']).doUpdateSet({ expires_at: until }).where('consumed_assertions.expires_at', '<=', this.now()))
      .returning('assertion_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async seen(issuer: string, assertionId: string): Promise<boolean> {
    const row = await this.db.selectFrom('consumed_assertions').select('assertion_id').where('issuer', '=', issuer).where('assertion_id', '=', assertionId).where('expires_at', '>', this.now()).executeTakeFirst();
    return row !== undefined;
  }
}
