import pg from 'pg';
import type { PostgresConnection } from '../config.js';
import { upstreamTarget } from './upstream.js';

/** Where a result column comes from, by name. */
export interface ColumnSource {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

/** What the catalog says of a type the gateway does not know by oid: its category, domains resolved. */
export interface TypeFacts {
  readonly category: string;
}

/** Built-in types have oids below this (PostgreSQL's FirstNormalObjectId). */
const FIRST_NORMAL_OID = 16384;

/**
 * Names of the tables and columns that result columns come from, and the categories of types
 * that are not built in, read from the database's catalog with the gateway's own login (a small
 * pool of its own, never a caller's session). Masking by column needs them: a RowDescription
 * carries only a table oid and a column number. Entries are kept for `ttlMs` and dropped whenever
 * a session on the connection completes DDL, so a rename cannot hide a column for long.
 */
export class Catalog {
  private pool: pg.Pool | undefined;
  private readonly columns = new Map<string, { at: number; source: ColumnSource | undefined }>();
  private readonly types = new Map<number, { at: number; facts: TypeFacts | undefined }>();

  constructor(
    private readonly connection: PostgresConnection,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Sources of (table oid, column number) pairs; a pair the catalog does not know maps to undefined. */
  async sources(refs: readonly { tableOid: number; columnAttr: number }[]): Promise<(ColumnSource | undefined)[]> {
    const key = (r: { tableOid: number; columnAttr: number }) => `${r.tableOid}:${r.columnAttr}`;
    const fresh = (at: number) => this.now() - at < this.ttlMs;
    const missing = [...new Set(refs.filter((r) => r.tableOid !== 0).filter((r) => !fresh(this.columns.get(key(r))?.at ?? -Infinity)).map((r) => r.tableOid))];
    if (missing.length > 0) {
      const { rows } = await this.query<{ rel: string; num: number; nspname: string; relname: string; attname: string }>(
        'select a.attrelid::int8 as rel, a.attnum as num, n.nspname, c.relname, a.attname from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped',
        [missing],
      );
      const at = this.now();
      for (const r of refs) if (missing.includes(r.tableOid)) this.columns.set(key(r), { at, source: undefined });
      for (const row of rows) this.columns.set(`${row.rel}:${row.num}`, { at, source: { schema: row.nspname, table: row.relname, column: row.attname } });
    }
    return refs.map((r) => (r.tableOid === 0 ? undefined : this.columns.get(key(r))?.source));
  }

  /** Facts of types that are not built in (built-in oids map to undefined: the maskers know them). */
  async typeFacts(oids: readonly number[]): Promise<(TypeFacts | undefined)[]> {
    const fresh = (at: number) => this.now() - at < this.ttlMs;
    const missing = [...new Set(oids.filter((o) => o >= FIRST_NORMAL_OID && !fresh(this.types.get(o)?.at ?? -Infinity)))];
    if (missing.length > 0) {
      const { rows } = await this.query<{ oid: string; category: string }>(
        'select t.oid::int8 as oid, coalesce(b.typcategory, t.typcategory) as category from pg_catalog.pg_type t left join pg_catalog.pg_type b on b.oid = nullif(t.typbasetype, 0) where t.oid = any($1::oid[])',
        [missing],
      );
      const at = this.now();
      for (const o of missing) this.types.set(o, { at, facts: undefined });
      for (const row of rows) this.types.set(Number(row.oid), { at, facts: { category: row.category } });
    }
    return oids.map((o) => (o >= FIRST_NORMAL_OID ? this.types.get(o)?.facts : undefined));
  }

  /**
   * The columns of a table as a COPY names it (unqualified: resolved with the database's default
   * search_path, as the catalog login sees it), in order; undefined when there is no such table.
   */
  async tableColumns(schema: string | undefined, table: string): Promise<ColumnSource[] | undefined> {
    const { rows } = await this.query<ColumnSource>(
      "select n.nspname as schema, c.relname as table, a.attname as column from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = pg_catalog.to_regclass(case when $1::text is null then pg_catalog.quote_ident($2) else pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident($2) end) and a.attnum > 0 and not a.attisdropped order by a.attnum",
      [schema ?? null, table],
    );
    return rows.length > 0 ? rows : undefined;
  }

  /** A session completed DDL: names may have changed. */
  invalidate(): void {
    this.columns.clear();
    this.types.clear();
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    this.pool ??= this.createPool();
    return this.pool.query<R>(text, values);
  }

  private createPool(): pg.Pool {
    const target = upstreamTarget(this.connection);
    const tls = this.connection.config.tls;
    const pool = new pg.Pool({
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      ...(this.connection.password !== undefined ? { password: this.connection.password } : {}),
      ssl: tls.mode === 'disable' ? false : { rejectUnauthorized: tls.mode === 'verify-full', ...(this.connection.ca ? { ca: this.connection.ca } : {}), servername: target.host },
      max: 2,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: this.connection.config.connectTimeout,
      application_name: 'portcullis-catalog',
    });
    pool.on('error', () => undefined); // an idle client's error: the next query reconnects
    return pool;
  }
}
