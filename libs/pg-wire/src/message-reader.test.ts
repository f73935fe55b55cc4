import { describe, expect, it } from 'vitest';
import { MessageReader, type Frame } from './message-reader.js';
import { PgWireError } from './pg-wire-error.js';

const typed = (type: string, body: Buffer | string = Buffer.alloc(0)): Buffer => {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const header = Buffer.alloc(5);
  header[0] = type.charCodeAt(0);
  header.writeUInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
};
const untyped = (body: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length + 4);
  return Buffer.concat([header, body]);
};
const lengthHeader = (type: string, length: number): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = type.charCodeAt(0);
  b.writeUInt32BE(length, 1);
  return b;
};

function drain(reader: MessageReader): Frame[] {
  const frames: Frame[] = [];
  for (let f = reader.next(); f; f = reader.next()) frames.push(f);
  return frames;
}

function thrown(fn: () => unknown): PgWireError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PgWireError);
    return err as PgWireError;
  }
  throw new Error('expected a PgWireError');
}

const startupBody = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0ada\0\0')]);
const stream = Buffer.concat([untyped(startupBody), typed('Q', 'select 1\0'), typed('S'), typed('d', Buffer.alloc(3000, 7)), typed('X')]);
const expected = [
  { type: 0, payload: startupBody },
  { type: 0x51, payload: Buffer.from('select 1\0') },
  { type: 0x53, payload: Buffer.alloc(0) },
  { type: 0x64, payload: Buffer.alloc(3000, 7) },
  { type: 0x58, payload: Buffer.alloc(0) },
];
/** Frames as comparable strings (toEqual on Buffers is slow over thousands of splits). */
const shape = (frames: readonly { type: number; payload: Buffer }[]) => frames.map((f) => `${f.type}:${f.payload.toString('base64')}`);

describe('MessageReader framing', () => {
  it('frames a whole buffer, raw being each message as sent', () => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20, startup: true });
    reader.push(stream);
    const frames = drain(reader);
    expect(shape(frames)).toEqual(shape(expected));
    expect(Buffer.concat(frames.map((f) => f.raw))).toEqual(stream);
    expect(reader.buffered).toBe(0);
  });

  it('frames the same at every split point of the stream', () => {
    for (let split = 0; split <= stream.length; split++) {
      const reader = new MessageReader({ maxMessageBytes: 1 << 20, startup: true });
      reader.push(stream.subarray(0, split));
      const frames = drain(reader);
      reader.push(stream.subarray(split));
      frames.push(...drain(reader));
      expect(shape(frames), `split at ${split}`).toEqual(shape(expected));
    }
  });

  it('frames the same fed one byte at a time', () => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20, startup: true });
    const frames: Frame[] = [];
    for (let i = 0; i < stream.length; i++) {
      reader.push(stream.subarray(i, i + 1));
      frames.push(...drain(reader));
    }
    expect(shape(frames)).toEqual(shape(expected));
    expect(reader.buffered).toBe(0);
  });

  it('frames the same when many small pushes pile up before next()', () => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20, startup: true });
    const big = Buffer.concat([stream, stream.subarray(startupBody.length + 4)]);
    for (let i = 0; i < big.length; i += 7) reader.push(big.subarray(i, i + 7));
    expect(reader.buffered).toBe(big.length);
    expect(Buffer.concat(drain(reader).map((f) => f.raw))).toEqual(big);
  });

  it('returns a message inside one chunk without copying it', () => {
    const chunk = Buffer.concat([typed('d', Buffer.alloc(2000, 1)), typed('d', Buffer.alloc(2000, 2))]);
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    reader.push(chunk);
    const [a, b] = drain(reader);
    expect(a!.raw.buffer).toBe(chunk.buffer);
    expect(b!.payload.byteOffset).toBe(chunk.byteOffset + 2005 + 5);
  });

  it('hands out a single byte (the answer to SSLRequest) and then frames typed messages', () => {
    const reader = new MessageReader({ maxMessageBytes: 1024 });
    expect(reader.nextByte()).toBeUndefined();
    reader.push(Buffer.concat([Buffer.from('N'), typed('Z', 'I')]));
    expect(reader.nextByte()).toBe(0x4e);
    expect(reader.buffered).toBe(6);
    expect(shape(drain(reader))).toEqual(shape([{ type: 0x5a, payload: Buffer.from('I') }]));
  });

  it('reads an untyped message again after expectUntyped()', () => {
    const ssl = untyped(Buffer.from([0x04, 0xd2, 0x16, 0x2f]));
    const reader = new MessageReader({ maxMessageBytes: 1024, startup: true });
    reader.push(Buffer.concat([ssl, untyped(startupBody)]));
    expect(reader.next()!.payload).toEqual(ssl.subarray(4));
    reader.expectUntyped();
    expect(reader.next()).toMatchObject({ type: 0, payload: startupBody });
  });
});

describe('MessageReader limits', () => {
  it('refuses a 2 GiB length as soon as the 5 header bytes are in, before any body', () => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    reader.push(lengthHeader('Q', 0x80000000).subarray(0, 4));
    expect(reader.next()).toBeUndefined();
    reader.push(lengthHeader('Q', 0x80000000).subarray(4));
    expect(thrown(() => reader.next()).code).toBe('MESSAGE_TOO_LARGE');
    expect(reader.buffered).toBe(0);
  });

  it('refuses a length one over the limit and accepts one at it', () => {
    const over = new MessageReader({ maxMessageBytes: 100 });
    over.push(lengthHeader('d', 101));
    expect(thrown(() => over.next()).code).toBe('MESSAGE_TOO_LARGE');
    const at = new MessageReader({ maxMessageBytes: 100 });
    at.push(typed('d', Buffer.alloc(96)));
    expect(at.next()!.payload.length).toBe(96);
  });

  it('caps startup-phase messages at 10000 bytes whatever the limit', () => {
    const reader = new MessageReader({ maxMessageBytes: 1 << 20, startup: true });
    const header = Buffer.alloc(4);
    header.writeUInt32BE(10_001);
    reader.push(header);
    expect(thrown(() => reader.next()).code).toBe('MESSAGE_TOO_LARGE');
  });

  it('refuses lengths below 4 (typed) and below 8 (startup), and the type byte 0', () => {
    for (const length of [0, 1, 3]) {
      const reader = new MessageReader({ maxMessageBytes: 100 });
      reader.push(lengthHeader('Q', length));
      expect(thrown(() => reader.next()).code).toBe('MALFORMED');
    }
    for (const length of [0, 4, 7]) {
      const reader = new MessageReader({ maxMessageBytes: 100, startup: true });
      const header = Buffer.alloc(4);
      header.writeUInt32BE(length);
      reader.push(header);
      expect(thrown(() => reader.next()).code).toBe('MALFORMED');
    }
    const zero = new MessageReader({ maxMessageBytes: 100 });
    zero.push(Buffer.from([0, 0, 0, 0, 4]));
    expect(thrown(() => zero.next()).message).toMatch(/0x00/);
  });

  it('stays failed after a framing error: the same error again, further pushes dropped', () => {
    const reader = new MessageReader({ maxMessageBytes: 100 });
    reader.push(lengthHeader('Q', 2));
    const first = thrown(() => reader.next());
    reader.push(typed('S'));
    expect(reader.buffered).toBe(0);
    expect(thrown(() => reader.next())).toBe(first);
    expect(thrown(() => reader.nextByte())).toBe(first);
  });

  it('refuses a limit that is not an integer in 8..2^31-1', () => {
    for (const maxMessageBytes of [0, 7, 1.5, Number.NaN, 2 ** 31]) {
      expect(thrown(() => new MessageReader({ maxMessageBytes })).code).toBe('UNEXPECTED');
      expect(thrown(() => new MessageReader({ maxMessageBytes: 100 }).setMaxMessageBytes(maxMessageBytes)).code).toBe('UNEXPECTED');
    }
  });

  it('applies a changed limit to the messages not yet returned', () => {
    const reader = new MessageReader({ maxMessageBytes: 1000 });
    reader.push(Buffer.concat([typed('p', Buffer.alloc(50)), typed('Q', Buffer.alloc(500))]));
    expect(reader.next()!.payload).toHaveLength(50);
    reader.setMaxMessageBytes(100);
    expect(thrown(() => reader.next()).code).toBe('MESSAGE_TOO_LARGE');
    const raised = new MessageReader({ maxMessageBytes: 100 });
    raised.push(typed('Q', Buffer.alloc(500)));
    raised.setMaxMessageBytes(1000);
    expect(raised.next()!.payload).toHaveLength(500);
  });
});
