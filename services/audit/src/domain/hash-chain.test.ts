import { describe, expect, it } from 'vitest';
import { appendToChain, canonicalForm, chainHash, EMPTY_CHAIN, GENESIS_HASH, sha256Hex, verifyChain, type ChainedFields, type EventFields, type StoredRecord } from './index.js';

const AT = new Date('2025-01-02T03:04:05.678Z');

function event(n: number, overrides: Partial<EventFields> = {}): EventFields {
  return {
    eventId: `evt-${n}`,
    type: 'request.received',
    requestId: `req-${n % 2}`,
    connection: 'crm',
    source: 'ingress:a',
    occurredAt: AT,
    payloadDigest: sha256Hex(`payload-${n}`),
    eventJsonDigest: sha256Hex(`{"id":"evt-${n}"}`),
    ...overrides,
  };
}

function chainOf(count: number): ChainedFields[] {
  return appendToChain(EMPTY_CHAIN, Array.from({ length: count }, (_, i) => event(i + 1)), new Set()).appended.map(({ event, ...link }) => ({ ...event, ...link }));
}

async function* asAsync<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

describe('canonical form', () => {
  it('is the documented sequence of netstrings', () => {
    const record = { ...event(1), seq: 7n };
    expect(canonicalForm(GENESIS_HASH, record).toString('utf8')).toBe(
      '19:portcullis.audit.v1,1:7,5:evt-1,16:request.received,5:req-1,3:crm,9:ingress:a,' +
        `24:2025-01-02T03:04:05.678Z,64:${record.payloadDigest},64:${record.eventJsonDigest},64:${GENESIS_HASH},`,
    );
    expect(chainHash(GENESIS_HASH, record)).toBe(sha256Hex(canonicalForm(GENESIS_HASH, record)));
  });

  it('counts UTF-8 bytes and writes an absent timestamp or JSON as an empty field', () => {
    const form = canonicalForm(GENESIS_HASH, { ...event(1, { source: 'é', occurredAt: undefined, eventJsonDigest: '' }), seq: 1n }).toString('utf8');
    expect(form).toContain(',2:é,0:,64:');
    expect(form).toContain(',0:,64:0000');
  });

  it('cannot be shifted: moving a character between fields changes the hash', () => {
    const a = chainHash(GENESIS_HASH, { ...event(1, { requestId: 'ab', connection: 'c' }), seq: 1n });
    const b = chainHash(GENESIS_HASH, { ...event(1, { requestId: 'a', connection: 'bc' }), seq: 1n });
    expect(a).not.toBe(b);
  });

  it('is stable (a change here invalidates every stored chain)', () => {
    expect(chainHash(GENESIS_HASH, { ...event(1, { payloadDigest: sha256Hex(''), eventJsonDigest: '' }), seq: 1n })).toBe(GOLDEN_HASH);
  });
});

describe('appendToChain', () => {
  it('numbers records after the head and links each to the one before', () => {
    const first = appendToChain(EMPTY_CHAIN, [event(1), event(2)], new Set());
    expect(first.appended.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(first.appended[0]!.prevHash).toBe(GENESIS_HASH);
    expect(first.appended[1]!.prevHash).toBe(first.appended[0]!.hash);
    expect(first.head).toEqual({ seq: 2n, hash: first.appended[1]!.hash });

    const second = appendToChain(first.head, [event(3)], new Set());
    expect(second.appended[0]).toMatchObject({ seq: 3n, prevHash: first.head.hash });
    expect(second.appended[0]!.hash).toBe(chainHash(first.head.hash, { ...event(3), seq: 3n }));
  });

  it('skips ids already stored or repeated in the batch without advancing the chain', () => {
    const plan = appendToChain(EMPTY_CHAIN, [event(1), event(2), event(1), event(3)], new Set(['evt-2']));
    expect(plan.appended.map((r) => [r.event.eventId, r.seq])).toEqual([
      ['evt-1', 1n],
      ['evt-3', 2n],
    ]);
    expect(plan.duplicates).toBe(2);

    const none = appendToChain(plan.head, [event(1)], new Set(['evt-1']));
    expect(none).toEqual({ appended: [], duplicates: 1, head: plan.head });
  });

  it("links the caller's own events, not copies", () => {
    const mine = { ...event(1), payload: 'x' };
    const plan = appendToChain(EMPTY_CHAIN, [mine], new Set());
    expect(plan.appended[0]!.event).toBe(mine);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head', async () => {
    const records = chainOf(5);
    await expect(verifyChain(asAsync(records))).resolves.toEqual({ ok: true, records: 5, headHash: records[4]!.hash, firstBadSeq: 0n, message: 'verified 5 records' });
  });

  it('accepts the empty log', async () => {
    await expect(verifyChain([])).resolves.toMatchObject({ ok: true, records: 0, headHash: GENESIS_HASH, firstBadSeq: 0n });
  });

  it('finds a changed field at its own seq', async () => {
    const records = chainOf(5);
    records[2] = { ...records[2]!, requestId: 'someone-else' };
    const verdict = await verifyChain(records);
    expect(verdict).toMatchObject({ ok: false, records: 2, headHash: records[1]!.hash, firstBadSeq: 3n });
    expect(verdict.message).toBe('hash of seq 3 does not match its contents');
  });

  it('finds a changed payload, JSON or hash at its own seq', async () => {
    const payload = chainOf(5);
    payload[3] = { ...payload[3]!, payloadDigest: sha256Hex('forged') };
    await expect(verifyChain(payload)).resolves.toMatchObject({ ok: false, firstBadSeq: 4n });

    const json = chainOf(5);
    json[3] = { ...json[3]!, eventJsonDigest: sha256Hex('{"id":"forged"}') };
    await expect(verifyChain(json)).resolves.toMatchObject({ ok: false, firstBadSeq: 4n });

    const hash = chainOf(5);
    hash[3] = { ...hash[3]!, hash: 'f'.repeat(64) };
    await expect(verifyChain(hash)).resolves.toMatchObject({ ok: false, firstBadSeq: 4n });
  });

  it('finds a rewritten record (new payload, recomputed hash) at the next link', async () => {
    const records = chainOf(5);
    const forged = { ...records[1]!, payloadDigest: sha256Hex('forged') };
    records[1] = { ...forged, hash: chainHash(forged.prevHash, forged) };
    const verdict = await verifyChain(records);
    expect(verdict).toMatchObject({ ok: false, records: 2, firstBadSeq: 3n });
    expect(verdict.message).toBe('prev_hash of seq 3 does not match the hash of seq 2');
  });

  it('finds a record whose other columns contradict what its hash covers', async () => {
    const records: StoredRecord[] = chainOf(3);
    records[1] = { ...records[1]!, inconsistency: 'session_id "x" is not the event\'s ("y")' };
    await expect(verifyChain(records)).resolves.toMatchObject({ ok: false, records: 1, firstBadSeq: 2n, message: 'seq 2: session_id "x" is not the event\'s ("y")' });
  });

  it('finds a gap at the record after it', async () => {
    const records = chainOf(6);
    records.splice(2, 2);
    const verdict = await verifyChain(records);
    expect(verdict).toMatchObject({ ok: false, records: 2, firstBadSeq: 5n, message: 'seq 3..4 missing before seq 5' });
  });

  it('requires the chain to start at seq 1 from the genesis hash', async () => {
    const records = chainOf(3);
    await expect(verifyChain(records.slice(1))).resolves.toMatchObject({ ok: false, firstBadSeq: 2n, message: 'seq 1 missing before seq 2' });

    const forgedStart = { ...records[0]!, prevHash: 'a'.repeat(64) };
    await expect(verifyChain([{ ...forgedStart, hash: chainHash(forgedStart.prevHash, forgedStart) }])).resolves.toMatchObject({
      ok: false,
      firstBadSeq: 1n,
      message: 'prev_hash of seq 1 is not the genesis hash',
    });
  });
});

// sha256 of the canonical form of event(1) with an empty payload and no JSON at seq 1 after genesis,
// computed independently (`printf '19:portcullis.audit.v1,1:1,…' | sha256sum`).
const GOLDEN_HASH = '39272743bc7fe7e3771a39058ae040d64ff822069409f45dfbe6a6119862ea85';
