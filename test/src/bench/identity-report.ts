import type { IdentitySection, VerifyRow } from './identity.js';
import { known, table, us, verdict } from './report-format.js';

/** The goals for `verify()`, p99 in µs. */
export const IDENTITY_GOALS = { cachedP99: 100, firstSeenP99: 1500 } as const;

/** Why the section does not count as measured, if it does not: unavailable, or a row with refusals. */
export function identityProblem(section: IdentitySection): string | undefined {
  if ('unavailable' in section) return section.unavailable;
  const rows: [string, VerifyRow][] = [
    ['cached', section.cached],
    ['first-seen', section.firstSeen],
    ['first-seen concurrent', section.concurrent],
  ];
  const bad = rows.filter(([, row]) => row.refused > 0);
  return bad.length === 0 ? undefined : bad.map(([name, row]) => `${name}: ${row.refused} refused (${row.refusal})`).join('; ');
}

/** "p99 ≤ 100 µs: PASS (p99 3.20 µs)"; n/a when the row had refusals (it timed another path). */
function goal(row: VerifyRow, limit: number, label: string): string {
  const outcome = row.refused > 0 ? 'n/a (refusals)' : verdict(known(row.p99, row.p99 <= limit, `p99 ${us(row.p99)} µs`));
  return `p99 ≤ ${label}: ${outcome}`;
}

function cells(name: string, row: VerifyRow, goalCell: string): string[] {
  const refused = row.refused === 0 ? '0' : `⚠ ${row.refused} (${row.refusal})`;
  return [name, us(row.p50), us(row.p90), us(row.p99), us(row.max), row.count.toLocaleString('en'), refused, goalCell];
}

export function renderIdentitySection(section: IdentitySection): string {
  if ('unavailable' in section) return `## Identity: Verify latency\n\nNot measured: ${section.unavailable}\n`;
  const { settings: s, cached, firstSeen, concurrent } = section;
  const n = (count: number) => count.toLocaleString('en');
  const cachedGoal = `${IDENTITY_GOALS.cachedP99} µs`;
  const firstSeenGoal = `${IDENTITY_GOALS.firstSeenP99 / 1000} ms`;
  const rows = table(
    ['row', 'p50 µs', 'p90 µs', 'p99 µs', 'max µs', 'calls', 'refused', 'goal'],
    [
      cells('cached, in process', cached, goal(cached, IDENTITY_GOALS.cachedP99, cachedGoal)),
      cells('first-seen, sequential', firstSeen, goal(firstSeen, IDENTITY_GOALS.firstSeenP99, firstSeenGoal)),
      cells(`first-seen, ${s.inFlight} in flight`, concurrent, `no goal (${n(Math.round(concurrent.perSecond))} verifications/s)`),
    ],
  );
  return `## Identity: Verify latency

\`IdentityClient.verify(token)\` of @portcullis/identity-client, the call ingress makes for every
request, timed call by call with \`process.hrtime.bigint()\` in the bench's own process, as policy
evaluation is below: an in-process measurement of a client library, acceptable for a latency figure
but not a load generator's view. The client is built as ingress builds it (its address only: the
library's default cache TTL, cache size and deadline). The tokens are signed with the dev IdP's
current key through its test endpoint \`POST /test/mint\` (\`devIdp.testEndpoints: true\` in the
bench's config), each with the claims of a token from the token endpoint (\`demo-agent\`) and its
own \`jti\`, so each is a new cache key. Goals (the issue): p99 ≤ ${cachedGoal} for a cached token,
p99 ≤ ${firstSeenGoal} for a first-seen one. Every call must be answered with a principal: refusals are counted,
and a row with any is not held against its goal.

- **Measured:** ${section.date.toISOString()} on ${section.machine}
- **Load average (1, 5, 15 min):** ${section.loadBefore} before the section, ${section.loadAfter} after

${rows}

- **cached, in process:** a token already in the client's cache, the path of every repeated
  request: a SHA-256 of the token, a map lookup and an expiry check, no network. ${n(cached.count)} calls
  cycling through ${s.cachedTokens} cached tokens, after ${n(s.cachedWarmup)} warm-up calls.
- **first-seen, sequential:** a token the client has never seen, one call at a time: a gRPC
  \`Verify\` over loopback to the identity service (its own process), which checks the header, the
  ES256 signature against the dev IdP's JWKS (fetched before the run), the claims and the
  revocation set, and answers a principal the client then caches. ${n(firstSeen.count)} tokens, each
  verified once, after ${n(s.firstSeenWarmup)} warm-up tokens.
- **first-seen, ${s.inFlight} in flight:** the same, with ${s.inFlight} calls outstanding at once and each call timed
  on its own (latency with queueing in the identity process and on the channel), after
  ${n(s.concurrentWarmup)} warm-up tokens; the rate is verifications over the run's wall time.

The identity service shares the machine with the rest of the stack, so the tail includes other
processes' bursts; compare with the load average above. The section alone:
\`node test/dist/bench/identity.main.js\` (after \`npm run build\`) starts the bench's stack and prints it.
`;
}
