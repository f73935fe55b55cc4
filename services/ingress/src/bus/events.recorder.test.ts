import { describe, expect, it } from 'vitest';
import { createLogger } from '@portcullis/service-kit';
import type { EventPublisher } from '@portcullis/bus';
import type { eventsV1 } from '@portcullis/proto-gen';
import { EventsRecorder } from './events.recorder.js';

const event = (n: number) => ({ id: `e${n}`, requestId: `r${n}`, connection: 'c', source: 's', occurredAt: new Date(0), body: undefined }) as eventsV1.Event;
const silent = createLogger('test', 'silent');

/** A publisher standing in for JetStream: records what was accepted, can be told to refuse. */
function fakePublisher(failFirst = 0) {
  const accepted: string[] = [];
  let failures = failFirst;
  return {
    accepted,
    publisher: {
      publish: async (e: eventsV1.Event) => {
        if (failures-- > 0) throw new Error('bus down');
        accepted.push(e.id);
        return accepted.length;
      },
    } as unknown as EventPublisher,
  };
}

describe('EventsRecorder', () => {
  it('publishes later events in order', async () => {
    const { publisher, accepted } = fakePublisher();
    const recorder = new EventsRecorder(publisher, silent);
    for (let i = 0; i < 600; i++) recorder.recordLater(event(i));
    await recorder.flush();
    expect(accepted).toEqual(Array.from({ length: 600 }, (_, i) => `e${i}`));
  });

  it('retries events the bus refused', async () => {
    const { publisher, accepted } = fakePublisher(3);
    const recorder = new EventsRecorder(publisher, silent);
    recorder.recordLater(event(1));
    recorder.recordLater(event(2));
    await new Promise((r) => setTimeout(r, 1000));
    await recorder.flush();
    expect(accepted.sort()).toEqual(['e1', 'e2']);
  });

  it('bounds the queue: overflow is dropped and counted, not buffered', async () => {
    const never = { publish: () => new Promise(() => undefined) } as unknown as EventPublisher;
    const recorder = new EventsRecorder(never, silent, { maxQueued: 10, batchSize: 1 });
    for (let i = 0; i < 50; i++) recorder.recordLater(event(i));
    // One event is in flight; ten wait; the rest are dropped.
    expect(recorder.droppedCount).toBe(39);
    await recorder.flush(50);
  });
});
