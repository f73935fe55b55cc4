import type { Kysely } from 'kysely';
import type pg from 'pg';
import { pgErrorKind } from '@portcullis/db';
import { appendToChain, EMPTY_CHAIN, renameCollisions, verifyChain, type AppendPlan, type ChainHead, type ChainVerdict, type StoredRecord } from './domain/index.js';
import { appendAfter, beginAppend, commit, copyAndCommit, encodeEvents, eventsForRequest, eventsForSession, eventsPage, HEAD_MOVED, readHead, rollback, storedEventDigests, type StoredHead } from './db/events.repository.js';
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

/** How far the latest append has got: the next one plans after its plan, and queues behind its lock. */
interface Progress {
  /** The head its plan leaves (undefined if it failed before planning). */
  readonly planned: Promise<ChainHead | undefined>;
  /** Settles once it holds the chain lock, or has given up. */
  readonly locked: Promise<void>;
}

/** The hash-chained log in PostgreSQL: appends batches, lists a request's records, verifies. */
export class AuditLog {
  private latest: Progress = { planned: Promise.resolve(undefined), locked: Promise.resolve() };

  constructor(
    private readonly db: Kysely<AuditDatabase>,
    /** Appends take a client of their own: COPY has no Kysely API, and the transaction runs on it. */
    private readonly pool: pg.Pool,
    private readonly verifyPageSize = 500,
  ) {}

  /**
   * Appends a batch in one transaction under the chain lock, so concurrent instances append one
   * after the other, each after the head as it is once the lock is granted. Events already stored
   * are skipped; either the whole batch is recorded or none of it.
   *
   * May be called again before the previous append has finished, and then overlaps with it: the
   * batch is hashed into the chain and encoded as soon as the previous batch is planned, after the
   * head that one leaves, and sent as soon as the previous one holds the lock, so batches are
   * recorded in call order, and PostgreSQL has the next one as soon as it has committed one. The
   * transaction is then one round trip: begin, lock, check the head is the planned one, COPY,
   * commit. If it is not (another instance appended, an earlier append failed, or this is the
   * first), or an event is already stored (a redelivery fails the COPY on its unique id), the batch
   * is planned again under the lock, after the actual head and without the stored events (and may
   * then land after the next one).
   */
  async append(entries: readonly IncomingEntry[]): Promise<AppendResult> {
    if (entries.length === 0) return { appended: 0, duplicates: 0, seqRange: undefined };
    const previous = this.latest;
    let planned!: (head: ChainHead | undefined) => void;
    let locked!: () => void;
    this.latest = { planned: new Promise((resolve) => (planned = resolve)), locked: new Promise((resolve) => (locked = resolve)) };
    let failed = false;
    let client: pg.PoolClient | undefined;
    try {
      const guess = await previous.planned;
      const early = guess && encoded(appendToChain(guess, renameCollisions(entries, new Map()), NOTHING_STORED));
      if (early) planned(early.plan.head);
      await previous.locked;
      // Only now: an append holding a client while waiting for an earlier one that waits for a client would deadlock.
      client = await this.pool.connect();
      const conn = client;
      if (guess && early) {
        try {
          await appendAfter(conn, storedHead(guess), early.rows, locked);
          return resultOf(early.plan);
        } catch (err) {
          await rollback(conn).catch(() => undefined);
          if ((err as { code?: unknown }).code !== HEAD_MOVED && pgErrorKind(err) !== 'unique_violation') throw err;
        }
      }
      const plan = await replan(conn, entries, locked);
      planned(plan.head); // no-op after an early plan: a promise settles once
      return resultOf(plan);
    } catch (err) {
      failed = true; // the connection may be unusable: the pool replaces it
      throw err;
    } finally {
      planned(undefined);
      locked();
      client?.release(failed);
    }
  }

  async list(requestId: string): Promise<EventRow[]> {
    return eventsForRequest(this.db, requestId);
  }

  async listSession(sessionId: string): Promise<EventRow[]> {
    return eventsForSession(this.db, sessionId);
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
 * The append planned under the lock: [begin, lock, read the head] (then `locked()`), [which
 * events are stored already], plan after the head without them, [COPY, commit]; rolled back if any
 * of it fails.
 */
async function replan(client: pg.PoolClient, entries: readonly IncomingEntry[], locked: () => void): Promise<Plan> {
  try {
    const head = headOf(await beginAppend(client));
    locked();
    const stored = await storedEventDigests(client, entries.map((e) => e.eventId));
    // Same id, other bytes: another event claiming the id, kept under its own (renameCollisions).
    const named = renameCollisions(entries, stored);
    const { plan, rows } = encoded(appendToChain(head, named, new Set(stored.keys())));
    if (plan.appended.length > 0) await copyAndCommit(client, rows);
    else await commit(client);
    return plan;
  } catch (err) {
    await rollback(client).catch(() => undefined);
    throw err;
  }
}

function headOf(stored: StoredHead | undefined): ChainHead {
  return stored ? { seq: BigInt(stored.seq), hash: stored.hash } : EMPTY_CHAIN;
}

function storedHead(head: ChainHead): StoredHead {
  return { seq: head.seq.toString(), hash: head.hash };
}

function resultOf(plan: Plan): AppendResult {
  const first = plan.appended[0];
  return { appended: plan.appended.length, duplicates: plan.duplicates, seqRange: first ? [first.seq, plan.head.seq] : undefined };
}
