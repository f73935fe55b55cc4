import { describe, expect, it } from 'vitest';
import { loadBenchConfig } from './config.js';
import { nginxConf } from './nginx.js';
import { pgbouncerIni, pgbouncerUserlist } from './pgbouncer.js';
import { keptAnalysis } from './report.js';
import { parseServerTiming } from './server-timing.js';

describe('keptAnalysis', () => {
  it('keeps the hand-written section of the previous report', () => {
    const previous = '# Benchmarks\n| a | b |\n<!-- analysis -->\nPolicy is the long pole.\n<!-- /analysis -->\n';
    expect(keptAnalysis(previous)).toBe('<!-- analysis -->\nPolicy is the long pole.\n<!-- /analysis -->');
  });

  it('starts with a marked placeholder', () => {
    expect(keptAnalysis(undefined)).toMatch(/^<!-- analysis -->\n_To be written[\s\S]*<!-- \/analysis -->$/);
    expect(keptAnalysis('# old report without markers')).toBe(keptAnalysis(undefined));
  });
});

describe('parseServerTiming', () => {
  it('reads every stage with a duration, whatever it is called', () => {
    expect(parseServerTiming('authn;dur=0.040, policy;dur=0.5;desc="nats", cache, upstream;dur=1')).toEqual([
      ['authn', 0.04],
      ['policy', 0.5],
      ['upstream', 1],
    ]);
    expect(parseServerTiming('')).toEqual([]);
  });
});

describe('loadBenchConfig', () => {
  it('has defaults and reports every bad variable at once', () => {
    expect(loadBenchConfig({})).toEqual({ seconds: 10, warmupSeconds: 2, rounds: 2, stageSamples: 500, auditWaitSeconds: 60 });
    expect(() => loadBenchConfig({ BENCH_SECONDS: '0', BENCH_ROUNDS: 'x' })).toThrow(/BENCH_SECONDS[\s\S]*BENCH_ROUNDS/);
  });
});

describe('nginxConf', () => {
  it('is a bare keep-alive hop that injects the credential and writes only into its directory', () => {
    const conf = nginxConf({ dir: '/tmp/b', port: 1, upstreamPort: 2, apiKey: 'k', runAsRoot: false });
    for (const line of ['daemon off;', 'worker_processes 1;', 'keepalive 64;', 'proxy_http_version 1.1;', 'proxy_set_header Connection "";', 'proxy_set_header Authorization "Bearer k";', 'listen 127.0.0.1:1;', 'server 127.0.0.1:2;', 'pid /tmp/b/nginx.pid;']) {
      expect(conf).toContain(line);
    }
    expect(conf).not.toContain('user root');
    expect(conf.match(/_temp_path (\S+);/g)?.every((l) => l.includes('/tmp/b/temp/'))).toBe(true);
  });
});

describe('pgbouncerIni', () => {
  const options = { dir: '/tmp/p', port: 1, upstreamHost: '127.0.0.1', upstreamPort: 5432, database: 'pc_bench_pg_x', user: 'pc_bench_pg_x', password: 'pw' };

  it('is a bare session-pooling hop on TCP only, for one database, SCRAM against its userlist', () => {
    const ini = pgbouncerIni(options);
    for (const line of ['pc_bench_pg_x = host=127.0.0.1 port=5432 dbname=pc_bench_pg_x', 'listen_addr = 127.0.0.1', 'listen_port = 1', 'unix_socket_dir =', 'pool_mode = session', 'auth_type = scram-sha-256', 'auth_file = /tmp/p/userlist.txt', 'server_tls_sslmode = disable']) {
      expect(ini).toContain(line);
    }
    expect(ini).not.toContain('pw');
  });

  it('quotes the userlist as pgbouncer reads it', () => {
    expect(pgbouncerUserlist({ user: 'u', password: 'a"b' })).toBe('"u" "a""b"\n');
  });
});
