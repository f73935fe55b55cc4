import { describe, expect, it } from 'vitest';
import { renameCollisions } from './collisions.js';

describe('renameCollisions', () => {
  const e = (eventId: string, payloadDigest: string, streamSeq = 1) => ({ eventId, payloadDigest, streamSeq });

  it('keeps a repeat with the same bytes as it is (a duplicate, dropped later)', () => {
    expect(renameCollisions([e('a', 'd1')], new Map([['a', 'd1']]))).toEqual([e('a', 'd1')]);
  });

  it('renames an event claiming a recorded id with other bytes, so the recorded one keeps it and nothing is dropped', () => {
    expect(renameCollisions([e('a', 'ffff0000ffff0000ffff', 7)], new Map([['a', 'd1']]))).toEqual([e('a~7:ffff0000ffff0000', 'ffff0000ffff0000ffff', 7)]);
  });

  it('does the same within one batch: the first keeps the id', () => {
    expect(renameCollisions([e('a', 'd1', 3), e('a', 'd2', 4), e('a', 'd1', 5)], new Map()).map((x) => x.eventId)).toEqual(['a', 'a~4:d2', 'a']);
  });
});
