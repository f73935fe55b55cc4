import { describe, expect, it } from 'vitest';
import { streamSequenceOf } from './pull.js';

describe('streamSequenceOf', () => {
  it('reads the stream sequence from both JetStream ack subject forms', () => {
    expect(streamSequenceOf('$JS.ACK.EVENTS.audit.1.4711.12.1733100000000000000.3')).toBe(4711);
    expect(streamSequenceOf('$JS.ACK.hub.ACCHASH.EVENTS.audit.2.4712.13.1733100000000000000.0.xyz')).toBe(4712);
  });

  it('is 0 for anything that is not an ack subject', () => {
    expect(streamSequenceOf('')).toBe(0);
    expect(streamSequenceOf('_INBOX.abc')).toBe(0);
    expect(streamSequenceOf('$JS.ACK.EVENTS.audit.1.notanumber.1.1.1')).toBe(0);
  });
});
