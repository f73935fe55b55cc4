import { revocationMatches, selectorKey, type Principal, type Revocation, type RevocationSelector } from '@portcullis/identity-client';

/**
 * The revocations in force, as this instance knows them: reloaded from the store on a short
 * schedule (other instances' revocations) and changed at once by this instance's own. Lookups are
 * by principal on every verification, so they are indexed by what they match.
 */
export class RevocationSet {
  private byKey = new Map<string, Revocation>();
  private index = new Map<string, Revocation[]>();
  /** When the set was last loaded whole from the store; undefined before the first load. */
  private loadedAt: number | undefined;

  constructor(
    private readonly now: () => number,
    /** Longest the set may go without a load from the store before it is not trusted (fail closed). */
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {}

  /** Whether the set is too old to say that a principal is not revoked. */
  get stale(): boolean {
    return this.loadedAt === undefined || this.now() - this.loadedAt > this.maxAgeMs;
  }

  /** The revocation that covers `principal`, if any is in force. */
  covering(principal: Principal): Revocation | undefined {
    const now = this.now();
    for (const key of [`subject\0${principal.subject}`, `client_id\0${principal.clientId}`, ...(principal.tokenId === '' ? [] : [`token_id\0${principal.tokenId}`])]) {
      for (const revocation of this.index.get(key) ?? []) {
        if ((revocation.expiresAt === undefined || revocation.expiresAt.getTime() > now) && revocationMatches(revocation.selector, principal)) return revocation;
      }
    }
    return undefined;
  }

  /** Replaces the whole set (a reload from the store). */
  replace(revocations: readonly Revocation[], loadedAt = this.now()): void {
    this.byKey = new Map(revocations.map((r) => [selectorKey(r.selector), r]));
    this.loadedAt = loadedAt;
    this.reindex();
  }

  add(revocation: Revocation): void {
    this.byKey.set(selectorKey(revocation.selector), revocation);
    this.reindex();
  }

  remove(selector: RevocationSelector): void {
    if (this.byKey.delete(selectorKey(selector))) this.reindex();
  }

  get size(): number {
    return this.byKey.size;
  }

  private reindex(): void {
    const index = new Map<string, Revocation[]>();
    for (const revocation of this.byKey.values()) {
      const key = `${revocation.selector.kind}\0${revocation.selector.value}`;
      index.set(key, [...(index.get(key) ?? []), revocation]);
    }
    this.index = index;
  }
}
