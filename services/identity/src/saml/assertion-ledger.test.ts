import { describe, expect, it } from 'vitest';
import { MemoryAssertionLedger } from './index.js';

const T0 = new Date('2030-01-01T00:00:00Z').getTime();

function ledgerAt(capacity?: number) {
  const clock = { now: T0 };
  return { clock, ledger: new MemoryAssertionLedger(() => new Date(clock.now), capacity) };
}

const later = (seconds: number) => new Date(T0 + seconds * 1000);

describe('MemoryAssertionLedger', () => {
  it('consumes an id once, per issuer, until it expires', async () => {
    const { clock, ledger } = ledgerAt();
    expect(await ledger.seen('idp', '_a')).toBe(false);
    expect(await ledger.consume('idp', '_a', later(60))).toBe(true);
    expect(await ledger.consume('idp', '_a', later(60))).toBe(false);
    expect(await ledger.seen('idp', '_a')).toBe(true);
    expect(await ledger.consume('other-idp', '_a', later(60))).toBe(true);
    clock.now = later(60).getTime();
    expect(await ledger.seen('idp', '_a')).toBe(false);
    expect(await ledger.consume('idp', '_a', later(120))).toBe(true);
  });

  it('keeps issuer and id apart whatever they contain', async () => {
    const { ledger } = ledgerAt();
    expect(await ledger.consume('a\u0000b', 'c', later(60))).toBe(true);
    expect(await ledger.seen('a', 'b\u0000c')).toBe(false);
  });

  it('drops expired ids when full, and refuses to forget an unexpired one', async () => {
    const { clock, ledger } = ledgerAt(2);
    await ledger.consume('idp', '_1', later(10));
    await ledger.consume('idp', '_2', later(100));
    await expect(ledger.consume('idp', '_3', later(100))).rejects.toMatchObject({ code: 'ASSERTION_LEDGER_FULL' });
    clock.now = later(10).getTime();
    expect(await ledger.consume('idp', '_3', later(100))).toBe(true);
    expect(ledger.size).toBe(2);
    expect(await ledger.seen('idp', '_2')).toBe(true);
  });
});
