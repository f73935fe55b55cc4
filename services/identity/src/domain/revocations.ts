import { revocationMatches, selectorKey, type Principal, type Revocation, type RevocationSelector } from '@portcullis/identity-client';

/**
 * The revocations in force, as this instance knows them: reloaded from the store on a short
 * schedule (other instances' revocations) and changed at once by this instance's own. Lookups are
 * by principal on every verification, so they are indexed by what they match.
 */
export class RevocationSet {
  private byKey = new Map<string, Revocation>();
  private index = new Map<string, Revocation[]>();

  constructor(private readonly now: () => number) {}

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
  replace(revocations: readonly Revocation[]): void {
    this.byKey = new Map(revocations.map((r) => [selectorKey(r.selector), r]));
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
