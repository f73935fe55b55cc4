import { describe, expect, it } from 'vitest';
import { firstPgbenchError, latencyFigures, parsePgbenchLog, parsePgbenchOutput } from './pgbench.js';

// pgbench 15.20's output (Debian's build): a clean -S run, and a run whose every client was refused
// its statement (stdout and stderr as the bench reads them, one after the other).
const CLEAN = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: select only>
scaling factor: 10
query mode: simple
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 2 s
number of transactions actually processed: 66158
number of failed transactions: 0 (0.000%)
latency average = 0.485 ms
initial connection time = 23.936 ms
tps = 33008.905589 (without initial connection time)
`;
const ABORTED = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: select only>
scaling factor: 1
query mode: simple
number of clients: 2
number of threads: 1
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 0
number of failed transactions: 0 (NaN%)
pgbench: error: client 0 script 0 aborted in command 1 query 0: ERROR:  permission denied for table pgbench_accounts
pgbench: error: client 1 script 0 aborted in command 1 query 0: ERROR:  permission denied for table pgbench_accounts
pgbench: error: Run was aborted; the above results are incomplete.
`;
const REFUSED = `pgbench: error: connection to server at "127.0.0.1", port 1 failed: Connection refused
\tIs the server running on that host and accepting TCP/IP connections?
pgbench: error: could not create connection for setup
`;

describe('parsePgbenchOutput', () => {
  it('reads clients, transactions and tps without the initial connection time', () => {
    expect(parsePgbenchOutput(CLEAN)).toEqual({ clients: 16, threads: 2, transactions: 66158, failed: 0, latencyAverageMs: 0.485, connectionMs: 23.936, tps: 33008.905589, abortedClients: 0 });
  });

  it('counts aborted clients; with no transaction done the figures are NaN, not a parse failure', () => {
    const r = parsePgbenchOutput(ABORTED);
    expect(r).toMatchObject({ clients: 2, transactions: 0, failed: 0, abortedClients: 2 });
    expect([r.tps, r.latencyAverageMs, r.connectionMs].every(Number.isNaN)).toBe(true);
  });

  it('refuses output without a summary, and a summary with transactions but no tps', () => {
    expect(() => parsePgbenchOutput(REFUSED)).toThrow(/no transaction count/);
    expect(() => parsePgbenchOutput(CLEAN.replace(/^tps = .*$/m, ''))).toThrow(/no tps/);
  });
});

describe('firstPgbenchError', () => {
  it('names the first aborted client’s error, else the first error', () => {
    expect(firstPgbenchError(ABORTED)).toBe('ERROR:  permission denied for table pgbench_accounts');
    expect(firstPgbenchError(REFUSED)).toBe('connection to server at "127.0.0.1", port 1 failed: Connection refused');
  });
});

describe('parsePgbenchLog', () => {
  it('reads each transaction’s latency (µs → ms), with the optional lag and retries columns', () => {
    const log = parsePgbenchLog('0 1 619 0 1796196413 550598\n0 2 199 0 1796196413 550806\n3 7 1250 0 1796196414 10 5 0\n');
    expect(log).toEqual({ latencies: [0.619, 0.199, 1.25], failed: 0 });
  });

  it('counts failed and skipped transactions instead of timing them', () => {
    expect(parsePgbenchLog('0 1 failed 0 1796196413 550598\n0 2 skipped 0 1796196413 550806\n0 3 serialization 0 1796196413 1\n0 4 100 0 1796196413 2\n')).toEqual({ latencies: [0.1], failed: 3 });
  });

  it('refuses lines that are not transactions', () => {
    expect(() => parsePgbenchLog('0 1 619\n')).toThrow(/line 1 is not a transaction/);
    expect(() => parsePgbenchLog('0 1 619 0 1796196413 550598\n0 2 1.5ms 0 1796196413 1\n')).toThrow(/line 2 has no latency/);
  });
});

describe('latencyFigures', () => {
  it('takes nearest-rank percentiles and the maximum', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => (i + 1) / 100); // 0.01 … 10 ms
    expect(latencyFigures(latencies)).toEqual({ count: 1000, p50: 5, p90: 9, p99: 9.9, max: 10 });
  });
});
