import { PortcullisError } from '@portcullis/errors';

/** Remembers consumed assertion ids until they expire (PostgreSQL in production, shared by every instance). */
export interface AssertionLedger {
  /** Records the id; false when it was already recorded (a replay). */
  consume(issuer: string, assertionId: string, until: Date): Promise<boolean>;
  /** Whether the id was consumed (and has not expired). */
  seen(issuer: string, assertionId: string): Promise<boolean>;
}

/** Ids remembered by a MemoryAssertionLedger unless told otherwise. */
export const DEFAULT_LEDGER_CAPACITY = 100_000;

/**
 * An AssertionLedger in this process's memory, for tests and single-instance development: a
 * replay against another instance is not seen. Bounded: expired ids are dropped, and when it is
 * full of unexpired ones `consume` rejects (ASSERTION_LEDGER_FULL) rather than forget one, since a
 * forgotten id could be replayed.
 */
export class MemoryAssertionLedger implements AssertionLedger {
  /** Expiry (ms) by issuer and id. */
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly clock: () => Date,
    private readonly capacity = DEFAULT_LEDGER_CAPACITY,
  ) {}

  async consume(issuer: string, assertionId: string, until: Date): Promise<boolean> {
    const key = keyOf(issuer, assertionId);
    const now = this.clock().getTime();
    const expiry = this.entries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    if (expiry === undefined && this.entries.size >= this.capacity) {
      this.dropExpired(now);
      if (this.entries.size >= this.capacity) throw new PortcullisError('ASSERTION_LEDGER_FULL', `the assertion ledger holds ${this.capacity} unexpired ids; refusing to forget one`);
    }
    this.entries.set(key, until.getTime());
    return true;
  }

  async seen(issuer: string, assertionId: string): Promise<boolean> {
    const expiry = this.entries.get(keyOf(issuer, assertionId));
    return expiry !== undefined && expiry > this.clock().getTime();
  }

  /** How many ids it holds, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  private dropExpired(now: number): void {
    for (const [key, expiry] of this.entries) if (expiry <= now) this.entries.delete(key);
  }
}

/** Ids are unique per issuer only (SAML core §1.3.4). JSON keeps the pair unambiguous. */
function keyOf(issuer: string, assertionId: string): string {
  return JSON.stringify([issuer, assertionId]);
}
