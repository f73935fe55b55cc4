import { bind, close, copyData, copyDone as copyDoneF, copyFail, describe, execute, flush as flushF, parse, query, sync as syncF } from '@portcullis/pg-wire';

const sync = syncF();
const flush = flushF();
const copyDone = copyDoneF();

/** A raw message sequence sent in one write after login, and how many ReadyForQuery end it. */
export interface Sequence {
  readonly name: string;
  readonly messages: Buffer[];
  readonly rfq: number;
}

const txt = (s: string) => Buffer.from(s);

function seq(name: string, messages: Buffer[], rfq?: number): Sequence {
  return { name, messages, rfq: rfq ?? messages.filter((m) => m[0] === 0x51 /* Q */ || m[0] === 0x53 /* S */).length };
}

/** Sequences for differential testing; `DENY` marks where a denied statement goes. */
export function sequences(deny: string): Sequence[] {
  const out: Sequence[] = [
    seq('simple select', [query('select 1 as a, 2 as b')]),
    seq('empty query', [query('')]),
    seq('empty query semicolon', [query(';')]),
    seq('multi-statement', [query('select 1; select 2; select v from t where id < 3')]),
    seq('multi-statement with error', [query('select 1; select 1/0; select 2')]),
    seq('syntax error', [query('selec 1')]),
    seq('begin/commit', [query('begin'), query('select 1'), query('commit')]),
    seq('error in tx', [query('begin'), query('select 1/0'), query('select 1'), query('rollback')]),
    seq('savepoint', [query('begin'), query('savepoint a'), query('select 1/0'), query('rollback to savepoint a'), query('select 2'), query('commit')]),
    seq('implicit tx batch', [query('begin; select 1; commit; select 2')]),
    seq('notice', [query("do $$ begin raise notice 'hello %', 42; end $$")]),
    seq('warning', [query("do $$ begin raise warning 'warn'; end $$")]),
    seq('listen/notify', [query('listen chan1'), query("notify chan1, 'payload-1'"), query('unlisten *')]),
    seq('notify in tx', [query('listen chan2'), query('begin'), query("notify chan2, 'p2'"), query('commit'), query('unlisten *')]),
    seq('copy to stdout', [query('copy (select id, v from t where id <= 3) to stdout')]),
    seq('copy to stdout csv', [query('copy t to stdout with (format csv)')]),
    seq('copy from stdin', [query('create temp table ct (a int, b text)'), query('copy ct from stdin'), copyData(txt('1\tone\n2\ttwo\n')), copyDone, query('select * from ct order by a')]),
    seq('copy from stdin fail', [query('create temp table ct2 (a int)'), query('copy ct2 from stdin'), copyData(txt('1\n')), copyFail('client gave up'), query('select count(*) from ct2')]),
    seq('copy from stdin bad data', [query('create temp table ct3 (a int)'), query('copy ct3 from stdin'), copyData(txt('notint\n')), copyDone, query('select 1')]),
    seq('copydata outside copy', [copyData(txt('junk')), query('select 1')]),
    // Extended protocol
    seq('ext unnamed', [parse('', 'select $1::int + 1 as x'), bind('', '', [], [txt('41')], []), describe('P', ''), execute('', 0), sync]),
    seq('ext no describe', [parse('', 'select v from t where id = $1'), bind('', '', [], [txt('5')], []), execute('', 0), sync]),
    seq('ext describe S', [parse('s1', 'select id, v from t where id > $1'), describe('S', 's1'), sync, close('S', 's1'), sync]),
    seq('ext describe S no data', [parse('s1', 'create temp table if not exists zz (a int)'), describe('S', 's1'), sync, close('S', 's1'), sync]),
    seq('ext named portal maxRows', [
      query('begin'),
      parse('s2', 'select id from t order by id'),
      bind('p2', 's2', [], [], []),
      describe('P', 'p2'),
      execute('p2', 3),
      execute('p2', 3),
      execute('p2', 0),
      execute('p2', 0),
      sync,
      query('commit'),
    ]),
    seq('ext maxRows outside tx', [parse('', 'select id from t order by id'), bind('', '', [], [], []), execute('', 5), execute('', 5), sync]),
    seq('ext maxRows then portal after sync', [parse('', 'select id from t order by id'), bind('pp', '', [], [], []), execute('pp', 2), sync, execute('pp', 2), sync]),
    seq('ext error mid pipeline', [
      parse('', 'select 1'),
      bind('', '', [], [], []),
      execute('', 0),
      parse('', 'select 1/0'),
      bind('', '', [], [], []),
      execute('', 0),
      parse('', 'select 2'),
      bind('', '', [], [], []),
      execute('', 0),
      sync,
      parse('', 'select 3'),
      bind('', '', [], [], []),
      execute('', 0),
      sync,
    ]),
    seq('ext parse error then bind', [parse('bad', 'selec 1'), bind('', 'bad', [], [], []), execute('', 0), sync, bind('', 'bad', [], [], []), execute('', 0), sync]),
    seq('ext bind wrong param count', [parse('', 'select $1::int'), bind('', '', [], [], []), execute('', 0), sync]),
    seq('ext bind unknown statement', [bind('', 'nope', [], [], []), execute('', 0), sync, query('select 1')]),
    seq('ext execute unknown portal', [execute('nope', 0), sync, query('select 1')]),
    seq('ext describe unknown', [describe('S', 'nope'), sync, describe('P', 'nope'), sync]),
    seq('ext close unknown', [close('S', 'nope'), close('P', 'nope'), sync]),
    seq('ext flush', [parse('', 'select 1'), bind('', '', [], [], []), execute('', 0), flush, sync]),
    seq('ext re-parse named', [parse('dup', 'select 1'), sync, parse('dup', 'select 2'), sync, bind('', 'dup', [], [], []), execute('', 0), sync, close('S', 'dup'), sync]),
    seq('ext unnamed reuse after sync', [parse('', 'select 11'), sync, bind('', '', [], [], []), execute('', 0), sync]),
    seq('ext tx', [
      parse('', 'begin'),
      bind('', '', [], [], []),
      execute('', 0),
      parse('', 'select 1/0'),
      bind('', '', [], [], []),
      execute('', 0),
      sync,
      parse('', 'select 1'),
      bind('', '', [], [], []),
      execute('', 0),
      sync,
      query('rollback'),
    ]),
    seq('ext multiple statements in parse', [parse('', 'select 1; select 2'), bind('', '', [], [], []), execute('', 0), sync]),
    seq('ext empty parse', [parse('', ''), bind('', '', [], [], []), describe('P', ''), execute('', 0), sync]),
    seq('ext binary result', [parse('', 'select 42::int4 as n'), bind('', '', [], [], [1]), describe('P', ''), execute('', 0), sync]),
    seq('ext binary param', [parse('', 'select $1::int4 + 1', [23]), bind('', '', [1], [Buffer.from([0, 0, 0, 41])], []), execute('', 0), sync]),
    seq('ext notice', [parse('', "do $$ begin raise notice 'ext %', 1; end $$"), bind('', '', [], [], []), execute('', 0), sync]),
    seq('ext copy to stdout', [parse('', 'copy (select id from t where id < 3) to stdout'), bind('', '', [], [], []), execute('', 0), sync]),
    seq('ext copy from stdin', [
      query('create temp table ect (a int)'),
      parse('', 'copy ect from stdin'),
      bind('', '', [], [], []),
      execute('', 0),
      copyData(txt('5\n6\n')),
      copyDone,
      sync,
      query('select sum(a) from ect'),
    ]),
    seq('ext close portal then execute', [parse('', 'select 1'), bind('cp', '', [], [], []), close('P', 'cp'), execute('cp', 0), sync]),
    seq('ext close stmt then bind', [parse('cs', 'select 1'), close('S', 'cs'), bind('', 'cs', [], [], []), execute('', 0), sync]),
    seq('ext sync only', [sync, sync]),
    seq('ext execute twice after complete', [parse('', 'select 1'), bind('', '', [], [], []), execute('', 0), execute('', 0), sync]),
    seq('sql prepare then protocol bind', [query('prepare sp(int) as select $1 + 100'), bind('', 'sp', [], [txt('1')], []), execute('', 0), sync, query('deallocate sp')]),
    seq('sql prepare / execute', [query('prepare sp2 as select 7'), query('execute sp2'), query('deallocate sp2'), query('execute sp2')]),
    seq('discard all then bind', [parse('da', 'select 1'), sync, query('discard all'), bind('', 'da', [], [], []), execute('', 0), sync]),
    seq('cursor', [query('begin'), query('declare c cursor for select id from t order by id'), query('fetch 2 from c'), query('fetch 2 from c'), query('close c'), query('commit')]),
    seq('pipeline across sync with error', [parse('', 'select 1/0'), bind('', '', [], [], []), execute('', 0), parse('x1', 'select 1'), sync, bind('', 'x1', [], [], []), execute('', 0), sync]),
    // PostgreSQL skips a Query after an extended-protocol error, to Sync: one ReadyForQuery.
    seq('error then query', [parse('', 'select 1/0'), bind('', '', [], [], []), execute('', 0), query('select 5'), sync], 1),
    seq('query during ext batch', [parse('', 'select 1'), bind('', '', [], [], []), query('select 2'), execute('', 0), sync]),
    seq('deny position 1 (simple)', [query(deny), query('select 1')]),
    seq('deny in tx (simple)', [query('begin'), query('select 1'), query(deny), query('select 1'), query('rollback')]),
    seq('deny in savepoint (simple)', [query('begin'), query('savepoint s'), query(deny), query('rollback to savepoint s'), query('select 3'), query('commit')]),
    seq('deny ext first', [parse('', deny), bind('', '', [], [], []), execute('', 0), parse('', 'select 1'), bind('', '', [], [], []), execute('', 0), sync, query('select 2')]),
    seq('deny ext middle', [parse('', 'select 1'), bind('', '', [], [], []), execute('', 0), parse('', deny), bind('', '', [], [], []), execute('', 0), parse('', 'select 2'), bind('', '', [], [], []), execute('', 0), sync]),
    seq('deny ext named', [parse('dn', deny), bind('dp', 'dn', [], [], []), describe('P', 'dp'), execute('dp', 0), sync, bind('', 'dn', [], [], []), execute('', 0), sync]),
    seq('deny ext in tx', [query('begin'), parse('', deny), bind('', '', [], [], []), execute('', 0), sync, query('select 1'), query('rollback')]),
    seq('deny ext in implicit tx', [parse('', 'insert into t values (999, $1)'), bind('', '', [], [txt('x')], []), execute('', 0), parse('', deny), bind('', '', [], [], []), execute('', 0), sync, query('select count(*) from t where id = 999')]),
    seq('deny ext with flush', [parse('', deny), bind('', '', [], [], []), execute('', 0), flush, sync]),
    seq('deny ext then close', [parse('', deny), bind('', '', [], [], []), execute('', 0), close('S', ''), sync, query('select 1')]),
    seq('deny then simple in same batch', [parse('', deny), bind('', '', [], [], []), execute('', 0), query('select 9'), sync], 1),
    seq('deny batch (simple, mixed)', [query(`select 1; ${deny}; select 2`)]),
  ];
  return out;
}
