import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from './in-memory-event-store.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: n } });

async function replay(store: InMemoryEventStore, after: string) {
  const sent: Array<[string, JSONRPCMessage]> = [];
  const streamId = await store.replayEventsAfter(after, { send: async (id, message) => void sent.push([id, message]) });
  return { streamId, sent };
}

describe('InMemoryEventStore', () => {
  it('replays the events of the same stream after the given id, in order', async () => {
    const store = new InMemoryEventStore();
    const first = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(2));
    const third = await store.storeEvent('a', note(3));
    const fourth = await store.storeEvent('a', note(4));
    const { streamId, sent } = await replay(store, first);
    expect(streamId).toBe('a');
    expect(sent).toEqual([[third, note(3)], [fourth, note(4)]]);
    expect(await store.getStreamIdForEventId(third)).toBe('a');
  });

  it('does not replay priming events', async () => {
    const store = new InMemoryEventStore();
    const priming = await store.storeEvent('a', {} as JSONRPCMessage);
    await store.storeEvent('a', {} as JSONRPCMessage);
    const real = await store.storeEvent('a', note(1));
    expect((await replay(store, priming)).sent).toEqual([[real, note(1)]]);
  });

  it('forgets the oldest events past its capacity', async () => {
    const store = new InMemoryEventStore(2);
    const first = await store.storeEvent('a', note(1));
    const second = await store.storeEvent('a', note(2));
    await store.storeEvent('a', note(3));
    expect(await store.getStreamIdForEventId(first)).toBeUndefined();
    await expect(replay(store, first)).rejects.toThrow('unknown event id');
    expect((await replay(store, second)).sent).toHaveLength(1);
  });
});
