import type { Kysely } from 'kysely';
import { appendToChain, EMPTY_CHAIN, verifyChain, type ChainedFields, type ChainVerdict } from './domain/index.js';
import { eventsForRequest, eventsPage, insertEvents, lockChain, readHead, storedEventIds } from './db/events.repository.js';
import type { AuditDatabase, EventRow } from './db/events.table.js';
import { chainedFromRow, rowFromChained, type IncomingEntry } from './event.mappers.js';

export interface AppendResult {
  readonly appended: number;
  readonly duplicates: number;
  /** Seq range of the appended records; undefined when nothing was appended. */
  readonly seqRange: readonly [bigint, bigint] | undefined;
}

/** The hash-chained log in PostgreSQL: appends batches, lists a request's records, verifies. */
export class AuditLog {
  constructor(
    private readonly db: Kysely<AuditDatabase>,
    private readonly verifyPageSize = 500,
  ) {}

  /**
   * Appends a batch in one transaction under the chain lock, so concurrent instances append one
   * after the other from the head each of them reads (never from a stale one: under READ COMMITTED
   * the head query runs after the lock is granted and sees the previous holder's commit). Events
   * already stored are skipped; either the whole batch is recorded or none of it.
   */
  async append(entries: readonly IncomingEntry[]): Promise<AppendResult> {
    return this.db.transaction().execute(async (trx) => {
      await lockChain(trx);
      const row = await readHead(trx);
      const head = row ? { seq: BigInt(row.seq), hash: row.hash } : EMPTY_CHAIN;
      const stored = await storedEventIds(trx, entries.map((e) => e.eventId));
      const plan = appendToChain(head, entries, stored);
      await insertEvents(trx, plan.appended.map(rowFromChained));
      const first = plan.appended[0];
      return { appended: plan.appended.length, duplicates: plan.duplicates, seqRange: first ? [first.seq, plan.head.seq] : undefined };
    });
  }

  async list(requestId: string): Promise<EventRow[]> {
    return eventsForRequest(this.db, requestId);
  }

  /** Verifies every record up to the head as of now, reading page by page. */
  async verify(): Promise<ChainVerdict> {
    const head = await readHead(this.db);
    return verifyChain(head ? this.scan(BigInt(head.seq)) : []);
  }

  private async *scan(throughSeq: bigint): AsyncGenerator<ChainedFields> {
    let after = 0n;
    for (;;) {
      const page = await eventsPage(this.db, after, throughSeq, this.verifyPageSize);
      for (const row of page) yield chainedFromRow(row);
      const last = page.at(-1);
      if (!last || page.length < this.verifyPageSize) return;
      after = BigInt(last.seq);
    }
  }
}
