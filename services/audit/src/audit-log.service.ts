import type { Kysely } from 'kysely';
import type pg from 'pg';
import { pgErrorKind } from '@portcullis/db';
import { appendToChain, EMPTY_CHAIN, verifyChain, type AppendPlan, type ChainHead, type ChainVerdict, type StoredRecord } from './domain/index.js';
import { beginAppend, commit, copyEvents, encodeEvents, eventsForRequest, eventsPage, readHead, rollback, storedEventIds, type StoredHead } from './db/events.repository.js';
import type { AuditDatabase, EventRow } from './db/events.table.js';
import { chainedFromRow, rowFromChained, type IncomingEntry } from './event.mappers.js';

export interface AppendResult {
  readonly appended: number;
  readonly duplicates: number;
  /** Seq range of the appended records; undefined when nothing was appended. */
  readonly seqRange: readonly [bigint, bigint] | undefined;
}

type Plan = AppendPlan<IncomingEntry>;

const NOTHING_STORED: ReadonlySet<string> = new Set();

/** The hash-chained log in PostgreSQL: appends batches, lists a request's records, verifies. */
export class AuditLog {
  /** The head once every append planned so far has committed: a guess the database confirms or refutes. */
  private expected: ChainHead | undefined;
  /** Appends planned so far; an append's outcome updates `expected` only if it is the latest. */
  private planned = 0;
  /** Settles once the latest append holds the chain lock (or has given up): the next one queues behind it. */
  private latestLocked: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<AuditDatabase>,
    /** Appends take a client of their own: COPY has no Kysely API, and the transaction runs on it. */
    private readonly pool: pg.Pool,
    private readonly verifyPageSize = 500,
  ) {}

  /**
   * Appends a batch in one transaction under the chain lock, so concurrent instances append one
   * after the other, each from the head as it is once the lock is granted. Events already stored
   * are skipped; either the whole batch is recorded or none of it.
   *
   * May be called again before the previous append has finished, and then overlaps with it: the
   * batch is hashed into the chain and encoded at once, after the head the previous appends will
   * leave; its transaction asks for the lock as soon as the previous one holds it, so batches are
   * recorded in call order. In the transaction, three round trips: [begin, lock, read the head],
   * [COPY], [commit]. A head other than the planned one (another instance appended, an earlier
   * append failed) costs a new plan under the lock; an event already stored (a redelivery) fails
   * the COPY on its unique id, and the batch is planned again, in a new transaction, without the
   * events already stored.
   */
  async append(entries: readonly IncomingEntry[]): Promise<AppendResult> {
    if (entries.length === 0) return { appended: 0, duplicates: 0, seqRange: undefined };
    const ticket = ++this.planned;
    const guess = this.expected;
    const early = guess && encoded(appendToChain(guess, entries, NOTHING_STORED));
    this.expected = early?.plan.head;
    const previousLocked = this.latestLocked;
    let locked!: () => void;
    this.latestLocked = new Promise<void>((resolve) => (locked = resolve));
    let failed = false;
    const client = await this.pool.connect().catch((err: unknown) => {
      locked();
      throw err;
    });
    try {
      await previousLocked;
      const planAfter = (head: ChainHead) => (early && guess.hash === head.hash ? early : encoded(appendToChain(head, entries, NOTHING_STORED)));
      const plan = await inTransaction(client, locked, planAfter).catch((err: unknown) => {
        if (pgErrorKind(err) !== 'unique_violation') throw err;
        return inTransaction(client, () => undefined, async (head) => encoded(appendToChain(head, entries, await storedEventIds(client, entries.map((e) => e.eventId)))));
      });
      if (ticket === this.planned) this.expected = plan.head;
      return resultOf(plan);
    } catch (err) {
      if (ticket === this.planned) this.expected = undefined;
      failed = true; // the connection may be unusable: the pool replaces it
      throw err;
    } finally {
      locked();
      client.release(failed);
    }
  }

  async list(requestId: string): Promise<EventRow[]> {
    return eventsForRequest(this.db, requestId);
  }

  /** Verifies every record up to the head as of now, reading page by page. */
  async verify(): Promise<ChainVerdict> {
    const head = await readHead(this.db);
    return verifyChain(head ? this.scan(BigInt(head.seq)) : []);
  }

  private async *scan(throughSeq: bigint): AsyncGenerator<StoredRecord> {
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

interface EncodedPlan {
  readonly plan: Plan;
  readonly rows: Buffer;
}

function encoded(plan: Plan): EncodedPlan {
  return { plan, rows: encodeEvents(plan.appended.map(rowFromChained)) };
}

/**
 * [begin, lock, read the head] (then `locked()`), plan after that head, [COPY], [commit]; rolled
 * back if any of it fails.
 */
async function inTransaction(client: pg.PoolClient, locked: () => void, planAfter: (head: ChainHead) => EncodedPlan | Promise<EncodedPlan>): Promise<Plan> {
  try {
    const head = headOf(await beginAppend(client));
    locked();
    const { plan, rows } = await planAfter(head);
    if (plan.appended.length > 0) await copyEvents(client, rows);
    await commit(client);
    return plan;
  } catch (err) {
    await rollback(client).catch(() => undefined);
    throw err;
  }
}

function headOf(stored: StoredHead | undefined): ChainHead {
  return stored ? { seq: BigInt(stored.seq), hash: stored.hash } : EMPTY_CHAIN;
}

function resultOf(plan: Plan): AppendResult {
  const first = plan.appended[0];
  return { appended: plan.appended.length, duplicates: plan.duplicates, seqRange: first ? [first.seq, plan.head.seq] : undefined };
}
