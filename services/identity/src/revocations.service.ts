import { newEvent } from '@portcullis/bus';
import { revocationToProto, selectorToProto, type Revocation, type RevocationSelector } from '@portcullis/identity-client';
import { eventsV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { Kysely } from 'kysely';
import type { RevocationSet } from './domain/index.js';
import type { IdentityDB } from './db/identity.table.js';
import { deleteRevocation, insertRevocation, listRevocations, type OutboxEvent } from './db/revocations.repository.js';

export interface RevokeCommand {
  readonly selector: RevocationSelector;
  readonly reason: string;
  /** Subject and client revocations: lifted automatically after this long (ms); undefined: until unrevoked. */
  readonly durationMs?: number;
  /** The admin, `<issuer> <subject>`. */
  readonly revokedBy: string;
}

/**
 * Revocations: stored in PostgreSQL with their event in one transaction (the outbox relay
 * publishes IdentityRevoked / IdentityUnrevoked), applied to this instance's set at once, and
 * picked up by other instances at their next reload.
 */
export class RevocationService {
  /** Changes this instance made while a reload was reading the store: applied again after it. */
  private duringReload: (() => void)[] | undefined;

  constructor(
    private readonly db: Kysely<IdentityDB>,
    private readonly set: RevocationSet,
    private readonly options: { readonly source: string; readonly longestTokenLifetimeMs: number; readonly now: () => Date; readonly onEventsCommitted: () => void; readonly logger: Logger },
  ) {}

  async revoke(command: RevokeCommand): Promise<{ revocation: Revocation; created: boolean }> {
    const now = this.options.now();
    // A token id names tokens that exist already (ids are unique per issuer): once every token
    // accepted now has expired, the revocation cannot match anything and is dropped.
    const lifetime = command.selector.kind === 'token_id' ? this.options.longestTokenLifetimeMs : command.durationMs;
    const revocation: Revocation = {
      selector: command.selector,
      reason: command.reason,
      revokedBy: command.revokedBy,
      revokedAt: now,
      ...(lifetime === undefined ? {} : { expiresAt: new Date(now.getTime() + lifetime) }),
    };
    const stored = await insertRevocation(this.db, revocation, (r) => this.event({ $case: 'identityRevoked', value: { revocation: revocationToProto(r) } }, now));
    this.applyLocally(() => this.set.add(stored.revocation));
    if (stored.created) this.options.onEventsCommitted();
    this.options.logger.warn({ kind: command.selector.kind, value: command.selector.value, issuer: command.selector.issuer, by: command.revokedBy, created: stored.created }, 'identity revoked');
    return stored;
  }

  async unrevoke(selector: RevocationSelector, by: string): Promise<boolean> {
    const now = this.options.now();
    const removed = await deleteRevocation(this.db, selector, now, () => this.event({ $case: 'identityUnrevoked', value: { selector: selectorToProto(selector), unrevokedBy: by } }, now));
    this.applyLocally(() => this.set.remove(selector));
    if (removed) this.options.onEventsCommitted();
    this.options.logger.warn({ kind: selector.kind, value: selector.value, issuer: selector.issuer, by, removed }, 'revocation lifted');
    return removed;
  }

  /** Revocations in force now (by this service's clock). */
  async list(): Promise<Revocation[]> {
    const now = this.options.now().getTime();
    return (await listRevocations(this.db)).filter((r) => r.expiresAt === undefined || r.expiresAt.getTime() > now);
  }

  /** Reloads the set from the store: revocations and liftings made by other instances. */
  async reload(): Promise<void> {
    const started = this.options.now().getTime();
    const changes: (() => void)[] = [];
    this.duringReload = changes;
    try {
      const revocations = await listRevocations(this.db);
      // Stamped with when the read began: what it read is at least that fresh.
      this.set.replace(revocations, started);
      for (const change of changes) change();
    } finally {
      this.duringReload = undefined;
    }
  }

  /** A change of this instance: applied now, and again after a reload that was already reading. */
  private applyLocally(change: () => void): void {
    change();
    this.duringReload?.push(change);
  }

  private event(body: NonNullable<eventsV1.Event['body']>, at: Date): OutboxEvent {
    const event = newEvent({ requestId: '', connection: '', source: this.options.source, body, occurredAt: at });
    return { eventId: event.id, payload: eventsV1.Event.encode(event).finish() };
  }
}
