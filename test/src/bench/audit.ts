import pg from 'pg';

/** How the audit service kept up with one load window (rows of audit.events whose occurred_at is in it). */
export interface AuditLag {
  /** Rows the gateway created in the window (occurred_at) and audit committed. */
  readonly events: number;
  readonly byType: Readonly<Record<string, number>>;
  /** events / window length: the rate the gateway produced them. */
  readonly perSecond: number;
  /** recorded_at − occurred_at, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Last recorded_at of the window's rows minus the end of the load, ms (negative: kept up). */
  readonly lastAfterLoadMs: number;
  /** Whether the row count stopped growing within the bound, and when it last grew after the load. */
  readonly settled: boolean;
  readonly lastGrowthAfterLoadMs: number;
}

export interface Settling {
  readonly settled: boolean;
  /** ms after `since` the count last grew. */
  readonly lastGrowthMs: number;
  readonly count: number;
}

const POLL_MS = 250;
/** Unchanged for this long counts as "stopped growing". */
const QUIET_MS = 2_000;

/** Reads audit.events from the bench process (not a load client). */
export class AuditProbe {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('select count(*)::int as n from audit.events');
    return rows[0]!.n;
  }

  /** Polls the row count until it has not grown for QUIET_MS, at most `boundSeconds`. */
  async settle(since: number, boundSeconds: number): Promise<Settling> {
    const deadline = Date.now() + boundSeconds * 1000;
    let count = await this.count();
    let grewAt = since;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const now = await this.count();
      if (now !== count) {
        count = now;
        grewAt = Date.now();
      }
      if (Date.now() - grewAt >= QUIET_MS) return { settled: true, lastGrowthMs: grewAt - since, count };
      if (Date.now() > deadline) return { settled: false, lastGrowthMs: grewAt - since, count };
    }
  }

  async lag(from: Date, to: Date, settling: Settling): Promise<AuditLag> {
    const window = [from, to];
    const stats = await this.pool.query<{ events: number; lag: number[] | null; max: number | null; last: Date | null }>(
      `select count(*)::int as events,
              percentile_cont(array[0.5, 0.99]) within group (order by extract(epoch from recorded_at - occurred_at)::float8) as lag,
              max(extract(epoch from recorded_at - occurred_at))::float8 as max,
              max(recorded_at) as last
         from audit.events where occurred_at >= $1 and occurred_at <= $2`,
      window,
    );
    const types = await this.pool.query<{ type: string; n: number }>(
      'select type, count(*)::int as n from audit.events where occurred_at >= $1 and occurred_at <= $2 group by type order by type',
      window,
    );
    const row = stats.rows[0]!;
    return {
      events: row.events,
      byType: Object.fromEntries(types.rows.map((r) => [r.type, r.n])),
      perSecond: row.events / ((to.getTime() - from.getTime()) / 1000),
      p50: (row.lag?.[0] ?? Number.NaN) * 1000,
      p99: (row.lag?.[1] ?? Number.NaN) * 1000,
      max: (row.max ?? Number.NaN) * 1000,
      lastAfterLoadMs: row.last ? row.last.getTime() - to.getTime() : Number.NaN,
      settled: settling.settled,
      lastGrowthAfterLoadMs: settling.lastGrowthMs,
    };
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
