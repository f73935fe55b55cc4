// The identity section of `npm run bench`: how long `IdentityClient.verify(token)` takes — the call
// ingress makes for every request — for a token already in the client's cache, and for a token it
// has never seen, which goes over gRPC to the identity service (its own process), where the dev
// IdP's signature, the claims and the revocation set are checked. Timed call by call with hrtime in
// the bench's own process, as policy evaluation is: the figure is the client library's latency as
// ingress sees it, not a load generator's.
import type * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { decodeJwt, type JWTPayload } from 'jose';
import { IdentityClient } from '@portcullis/identity-client';
import { loadAverage, machineSummary } from './machine.js';
import { summarise, type LatencySummary } from './stats.js';

export interface IdentityTarget {
  /** host:port of the identity service's gRPC listener. */
  readonly identityAddress: string;
  /** Mutual TLS as ingress calls identity (`clientCredentials(ingress material, 'identity')`). */
  readonly identityCredentials: grpc.ChannelCredentials;
  /** The dev IdP's issuer URL; it must serve POST /test/mint (`devIdp.testEndpoints: true`). */
  readonly issuerUrl: string;
  /** A token from the dev IdP's token endpoint: the minted tokens carry its claims. */
  token(): Promise<string>;
}

/** One row's latencies (µs) and its refusals: a row with refusals timed the wrong path. */
export interface VerifyRow extends LatencySummary {
  readonly refused: number;
  /** The first refusal's code and message, when there was one. */
  readonly refusal?: string;
}

export interface IdentitySettings {
  /** Distinct tokens the cached row cycles through. */
  readonly cachedTokens: number;
  readonly cachedWarmup: number;
  readonly firstSeenWarmup: number;
  readonly concurrentWarmup: number;
  readonly inFlight: number;
}

export interface IdentityBench {
  readonly date: Date;
  readonly machine: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly settings: IdentitySettings;
  readonly cached: VerifyRow;
  readonly firstSeen: VerifyRow;
  /** `settings.inFlight` calls outstanding at once; `perSecond` verifications per second over the run. */
  readonly concurrent: VerifyRow & { readonly perSecond: number };
}

/** The section's figures, or why it could not be measured. */
export type IdentitySection = IdentityBench | { readonly unavailable: string };

const SETTINGS: IdentitySettings = { cachedTokens: 64, cachedWarmup: 5_000, firstSeenWarmup: 500, concurrentWarmup: 320, inFlight: 16 };
const CACHED_SAMPLES = 20_000;
const FIRST_SEEN_SAMPLES = 2_000;
const CONCURRENT_SAMPLES = 2_000;
/** Mint requests outstanding at once while preparing the tokens (not measured). */
const MINT_IN_FLIGHT = 8;

/**
 * The claims of a token the client has never seen: those of `template` (a token endpoint token),
 * issued at `nowSeconds` with the template's lifetime, and its own `jti`, so its cache key is new.
 */
export function firstSeenClaims(template: JWTPayload, jti: string, nowSeconds: number): JWTPayload {
  const lifetime = (template.exp ?? Number.NaN) - (template.iat ?? Number.NaN);
  if (!(lifetime > 0)) throw new Error('the token endpoint\'s token has no lifetime (exp - iat) to copy');
  return { ...template, jti, iat: nowSeconds, exp: nowSeconds + lifetime };
}

async function mint(issuerUrl: string, claims: JWTPayload): Promise<string> {
  const res = await fetch(`${issuerUrl}/test/mint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ claims }) });
  if (res.status === 404) throw new Error('the dev IdP does not serve POST /test/mint (devIdp.testEndpoints is off)');
  if (!res.ok) throw new Error(`POST /test/mint answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const { token } = (await res.json()) as { token?: unknown };
  if (typeof token !== 'string') throw new Error('POST /test/mint answered without a token');
  return token;
}

/** `count` distinct tokens signed with the dev IdP's current key, each with the template's claims. */
async function mintTokens(issuerUrl: string, template: JWTPayload, count: number): Promise<string[]> {
  const run = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      tokens[i] = await mint(issuerUrl, firstSeenClaims(template, `bench-${run}-${i}`, now));
    }
  };
  await Promise.all(Array.from({ length: MINT_IN_FLIGHT }, worker));
  if (new Set(tokens).size !== count) throw new Error('the minted tokens are not all distinct');
  return tokens;
}

/** Collects one row's samples (µs) and refusals. */
class Samples {
  private readonly values: number[] = [];
  private refused = 0;
  private refusal: string | undefined;

  async time(client: IdentityClient, token: string): Promise<void> {
    const start = process.hrtime.bigint();
    const outcome = await client.verify(token);
    this.values.push(Number(process.hrtime.bigint() - start) / 1000);
    if (!outcome.ok) {
      this.refused += 1;
      this.refusal ??= `${outcome.code}: ${outcome.message}`;
    }
  }

  row(): VerifyRow {
    return { ...summarise(this.values), refused: this.refused, ...(this.refusal === undefined ? {} : { refusal: this.refusal }) };
  }
}

/** `calls` verifications one at a time, cycling through `tokens`. */
async function sequential(client: IdentityClient, tokens: readonly string[], calls = tokens.length): Promise<VerifyRow> {
  const samples = new Samples();
  for (let i = 0; i < calls; i++) await samples.time(client, tokens[i % tokens.length]!);
  return samples.row();
}

/** Each token verified once, `inFlight` calls outstanding at once; every call timed on its own. */
async function concurrent(client: IdentityClient, tokens: readonly string[], inFlight: number): Promise<VerifyRow & { perSecond: number }> {
  const samples = new Samples();
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < tokens.length) await samples.time(client, tokens[next++]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...samples.row(), perSecond: tokens.length / seconds };
}

/** Splits `tokens` into consecutive slices of the given sizes. */
function slices(tokens: readonly string[], sizes: readonly number[]): string[][] {
  let at = 0;
  return sizes.map((size) => tokens.slice(at, (at += size)));
}

export async function measureIdentity(target: IdentityTarget, say: (line: string) => void): Promise<IdentitySection> {
  const date = new Date();
  const loadBefore = loadAverage();
  const sizes = [SETTINGS.cachedTokens, SETTINGS.firstSeenWarmup, FIRST_SEEN_SAMPLES, SETTINGS.concurrentWarmup, CONCURRENT_SAMPLES];
  let tokens: string[];
  try {
    const template = decodeJwt(await target.token());
    const started = Date.now();
    tokens = await mintTokens(target.issuerUrl, template, sizes.reduce((a, b) => a + b, 0));
    say(`identity: minted ${tokens.length} distinct tokens in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    return { unavailable: `no tokens to verify: ${(err as Error).message}` };
  }
  const [cachedTokens, firstSeenWarmup, firstSeenTokens, concurrentWarmup, concurrentTokens] = slices(tokens, sizes) as [string[], string[], string[], string[], string[]];
  // Built as ingress builds it: the library's default cache TTL, cache size and deadline.
  const client = new IdentityClient({ address: target.identityAddress, credentials: target.identityCredentials });
  try {
    await sequential(client, firstSeenWarmup);
    const firstSeen = await sequential(client, firstSeenTokens);
    await concurrent(client, concurrentWarmup, SETTINGS.inFlight);
    const concurrentRow = await concurrent(client, concurrentTokens, SETTINGS.inFlight);
    // Verified once over gRPC (so cached), then timed as cache hits, a second or so later.
    await sequential(client, cachedTokens);
    await sequential(client, cachedTokens, SETTINGS.cachedWarmup);
    const cached = await sequential(client, cachedTokens, CACHED_SAMPLES);
    return { date, machine: machineSummary(), loadBefore, loadAfter: loadAverage(), settings: SETTINGS, cached, firstSeen, concurrent: concurrentRow };
  } finally {
    client.close();
  }
}
