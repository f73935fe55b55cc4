import { describe, expect, it } from 'vitest';
import { headerScript, parseWrkOutput } from './wrk.js';

// wrk 4.1.0's output (Debian's build); the second has every optional line and other units.
const CLEAN = `Running 10s test @ http://127.0.0.1:40111/echo
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   131.40us  246.88us   8.12ms   97.10%
    Req/Sec     7.36k   610.77     8.21k    71.00%
  Latency Distribution
     50%   98.00us
     75%  115.00us
     90%  146.00us
     99%    1.21ms
  73260 requests in 10.00s, 17.89MB read
Requests/sec:   7325.52
Transfer/sec:      1.79MB
`;
const DIRTY = `Running 1s test @ http://127.0.0.1:17599/echo
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    15.89ms    9.87ms    1.02s    92.59%
    Req/Sec   455.03     98.87   600.00     72.73%
  Latency Distribution
     50%   12.00ms
     75%   20.00ms
     90%   30.10ms
     99%    1.00s
  1816 requests in 2.00s, 1.85MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 25
Requests/sec:    905.00
Transfer/sec:      0.92MB`;

describe('parseWrkOutput', () => {
  it('reads throughput, latency percentiles in ms and no errors', () => {
    expect(parseWrkOutput(CLEAN)).toEqual({ requests: 73260, seconds: 10, rps: 7325.52, p50: 0.098, p90: 0.146, p99: 1.21, max: 8.12, non2xx: 0, socketErrors: 0 });
  });

  it('counts non-2xx answers and every kind of socket error, in any unit', () => {
    const r = parseWrkOutput(DIRTY);
    expect(r).toMatchObject({ requests: 1816, seconds: 2, p50: 12, p99: 1000, max: 1020, non2xx: 25, socketErrors: 6 });
  });

  it('refuses output without the figures it needs', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/no request count/);
  });
});

describe('headerScript', () => {
  it('sets each header in Lua, quoting what Lua would read otherwise', () => {
    expect(headerScript({ authorization: 'Bearer a.b-c_d', 'x-odd': 'q"\\' })).toBe('wrk.headers["authorization"] = "Bearer a.b-c_d"\nwrk.headers["x-odd"] = "q\\"\\\\"\n');
  });
});
