import type { Principal } from '@portcullis/identity-client';
import { sha256Hex, targetDigest } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';

export interface DecisionCacheOptions {
  /** Longest a remembered decision is used, even if no policy change is seen (ms). 0 disables. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Monotonic ms. */
  readonly now: () => number;
}

/**
 * Decisions policy marked cacheable, remembered for identical requests: the same principal
 * attributes, connection and target (see cacheKey). Every entry is dropped when any policy
 * instance announces a rule set (PolicyChanged), and none is used past its TTL, which bounds
 * staleness if an announcement is missed. Under a rolling change only decisions of the newest
 * announced version are kept. The audit record of a remembered decision says so
 * (DecisionMade.from_cache).
 */
export class DecisionCache {
  private readonly entries = new Map<string, { decision: Decision; until: number }>();
  /** The rule set most recently announced (during a rolling change older instances still answer). */
  private current: string | undefined;

  constructor(private readonly options: DecisionCacheOptions) {}

  /**
   * A policy instance announced the rule set it decides with: forget everything, and from now on
   * remember only decisions made under that version (another instance's answers are used, not
   * kept). "Newest" is the most recently announced: an old instance restarting announces again.
   */
  policyChanged(version: string | undefined): void {
    this.entries.clear();
    if (version) this.current = version;
  }

  get(context: RequestContext): Decision | undefined {
    if (this.options.ttlMs <= 0) return undefined;
    const key = cacheKey(context);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.until <= this.options.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.decision;
  }

  put(context: RequestContext, decision: Decision): void {
    if (this.options.ttlMs <= 0 || !decision.cacheable) return;
    if (this.current !== undefined && decision.policyVersion !== this.current) return;
    if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(cacheKey(context), { decision, until: this.options.now() + this.options.ttlMs });
  }

  /** Forgets everything (e.g. after a reconnect, when an announcement may have been missed). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Everything a rule can match on is in the key, so a remembered decision is the one policy would
 * make again under the same rule set: the connection (its tags come with its name from config),
 * the whole target (for HTTP the query and the decision headers too; for SQL the shape of the parsed
 * statements, which holds every fact a rule can test but not the literals), and every attribute of the
 * principal a rule can test. A digest, so that an entry costs the same whatever their size.
 */
function cacheKey(context: RequestContext): string {
  const target = context.shape !== undefined ? `shape:${context.target.kind}:${context.shape}` : targetDigest(context.target);
  return sha256Hex(JSON.stringify([principalKey(context.principal), context.connection, target]));
}

/**
 * Every principal attribute rules see: issuer, subject, client id, groups and scopes (sorted:
 * rules test membership, not order), kind, and the claims (canonical JSON, so equal claims are
 * equal text). The claims include exp, iat and jti, so a new token of the same caller starts with
 * no remembered decisions: a rule may match any claim, and the key must not guess which. The
 * expiry field is left out: rules do not see it, and a session past it is refused before deciding.
 */
function principalKey(p: Principal): unknown[] {
  return [p.issuer, p.subject, p.clientId, [...p.groups].sort(), [...p.scopes].sort(), p.kind, p.claimsJson];
}
