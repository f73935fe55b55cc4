import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@portcullis/service-kit';
import { eventsV1 } from '@portcullis/proto-gen';
import type { GatewayEvent } from '../domain/events.js';
import { EventsRecorder, type BatchPublish } from './events.recorder.js';

const silent = createLogger('test', 'silent');
let counter = 0;
const ids = { next: () => `id-${++counter}` };

const event = (n: number): GatewayEvent => ({
  id: `e${n}`,
  occurredAt: new Date(0),
  sessionId: 's',
  requestId: `r${n}`,
  connection: 'c',
  kind: 'sessionEnded',
  reason: 'closed',
  requests: 1,
  durationUs: 1,
});

/** Stands in for JetStream: each publish waits until released, and can be told to refuse. */
function controlledBus() {
  const batches: string[][] = [];
  const waiting: { release: () => void; refuse: (err: Error) => void }[] = [];
  const publish: BatchPublish = (_id, events: readonly Uint8Array[]) =>
    new Promise((resolve, reject) => {
      batches.push(events.map((bytes) => eventsV1.Event.decode(bytes).id));
      waiting.push({ release: () => resolve(undefined), refuse: reject });
    });
  return {
    batches,
    publish,
    releaseNext: () => waiting.shift()!.release(),
    refuseNext: (err = new Error('bus down')) => waiting.shift()!.refuse(err),
    get pending() {
      return waiting.length;
    },
  };
}

/** Lets setImmediate callbacks and settled promises run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('EventsRecorder (group commit)', () => {
  // Timers (linger, backoff) run on a fake clock; setImmediate and microtasks stay real.
  afterEach(() => vi.useRealTimers());

  it('sends a lone caller at once and resolves only when its batch is stored', async () => {
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0, lingerMs: 0 });
    let stored = false;
    const done = recorder.record([event(1), event(2)]).then(() => (stored = true));
    await turn();
    expect(bus.batches).toEqual([['e1', 'e2']]);
    expect(stored).toBe(false);
    bus.releaseNext();
    await done;
    expect(stored).toBe(true);
  });

  it('gathers the events of concurrent callers into one batch while batches are in flight', async () => {
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0, maxInFlight: 1 });
    const first = recorder.record([event(1)]);
    await turn();
    const rest = [recorder.record([event(2)]), recorder.record([event(3)])];
    recorder.recordLater([event(4)]);
    await turn();
    expect(bus.batches).toEqual([['e1']]); // the others wait for the first ack
    bus.releaseNext();
    await first;
    await turn();
    expect(bus.batches).toEqual([['e1'], ['e2', 'e3', 'e4']]);
    bus.releaseNext();
    await Promise.all(rest);
  });

  it('keeps every batch under the byte limit, measured on the encoded events', async () => {
    const bus = controlledBus();
    const sizes: number[] = [];
    const measuring: BatchPublish = (id, events) => (sizes.push(events.reduce((n, e) => n + e.length, 0)), bus.publish(id, events));
    const recorder = new EventsRecorder(measuring, 'ingress:test', ids, silent, { lingerMs: 0, maxInFlight: 64, maxBatchBytes: 4096 });
    const big = (n: number): GatewayEvent => ({ ...event(n), kind: 'requestReceived', protocol: 'http', principal: { subject: 's', clientId: 'c', issuer: 'i', expiresAt: new Date(0), groups: Array.from({ length: 150 }, (_, g) => `group-${g}`), scopes: [], kind: 'machine', claimsJson: '{}' } });
    void recorder.record(Array.from({ length: 20 }, (_, i) => big(i)));
    await turn();
    expect(bus.batches.flat()).toHaveLength(20);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
  });

  it('splits batches at the event limit, keeping order', async () => {
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0, maxInFlight: 4, maxBatchEvents: 2 });
    void recorder.record([event(1), event(2), event(3), event(4), event(5)]);
    await turn();
    expect(bus.batches).toEqual([['e1', 'e2'], ['e3', 'e4'], ['e5']]);
  });

  it('rejects the callers of a refused batch (they fail closed) and retries its background events in order', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0 });
    recorder.recordLater([event(1)]);
    const awaited = recorder.record([event(2)]);
    await turn();
    expect(bus.batches).toEqual([['e1', 'e2']]);
    bus.refuseNext();
    await expect(awaited).rejects.toThrow('bus down');
    await turn();
    expect(bus.batches).toHaveLength(1); // backing off
    await vi.advanceTimersByTimeAsync(150);
    expect(bus.batches.at(-1)).toEqual(['e1']);
    bus.releaseNext();
  });

  it('never keeps an awaiting caller behind a retry backoff', async () => {
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0, now: () => 0 });
    recorder.recordLater([event(1)]);
    await turn();
    bus.refuseNext(); // e1 now waits out a backoff
    await turn();
    const awaited = recorder.record([event(2)]);
    await turn();
    expect(bus.batches.at(-1)).toEqual(['e1', 'e2']);
    bus.releaseNext();
    await awaited;
  });

  it('lets background events ride with the next awaited batch, or leave alone after the linger', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 50 });
    recorder.recordLater([event(1)]);
    await turn();
    expect(bus.batches).toEqual([]); // lingering for company
    const awaited = recorder.record([event(2)]);
    await turn();
    expect(bus.batches).toEqual([['e1', 'e2']]);
    bus.releaseNext();
    await awaited;
    recorder.recordLater([event(3)]);
    await turn();
    expect(bus.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(bus.batches.at(-1)).toEqual(['e3']);
    bus.releaseNext();
  });

  it('bounds the background queue: overflow is dropped and counted, not buffered', async () => {
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0, maxQueued: 3, maxInFlight: 1 });
    recorder.recordLater([event(1), event(2), event(3), event(4), event(5)]);
    expect(recorder.droppedCount).toBe(2);
    await turn();
    expect(bus.batches).toEqual([['e1', 'e2', 'e3']]);
  });

  it('flushes what is queued on shutdown', async () => {
    const bus = controlledBus();
    const recorder = new EventsRecorder(bus.publish, 'ingress:test', ids, silent, { lingerMs: 0, maxInFlight: 1 });
    recorder.recordLater([event(1)]);
    await turn();
    recorder.recordLater([event(2)]);
    const flushed = recorder.flush(5000);
    bus.releaseNext();
    await turn();
    await turn();
    bus.releaseNext();
    await flushed;
    expect(bus.batches).toEqual([['e1'], ['e2']]);
  });
});
