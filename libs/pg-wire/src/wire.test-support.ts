// What the unit tests share: hand-built message bytes and single-frame reading. Not part of the build (see tsconfig.json).
import { MessageReader, type Frame } from './message-reader.js';

export const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
export const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
export const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
export const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
export const byte = (c: string | number): Buffer => Buffer.from([typeof c === 'number' ? c : c.charCodeAt(0)]);

/** A typed frame with this payload, as MessageReader would return it. */
export function typedFrame(type: string, ...parts: Buffer[]): Frame {
  const payload = Buffer.concat(parts);
  const raw = Buffer.concat([byte(type), u32(payload.length + 4), payload]);
  return { type: raw[0]!, payload: raw.subarray(5), raw };
}

export function untypedFrame(...parts: Buffer[]): Frame {
  const payload = Buffer.concat(parts);
  const raw = Buffer.concat([u32(payload.length + 4), payload]);
  return { type: 0, payload: raw.subarray(4), raw };
}

/** Frames `bytes` that must hold exactly one message. */
export function onlyFrame(bytes: Buffer, startup = false): Frame {
  const reader = new MessageReader({ maxMessageBytes: 1 << 24, startup });
  reader.push(bytes);
  const frame = reader.next();
  if (!frame || reader.buffered !== 0) throw new Error(`expected exactly one message, ${reader.buffered} bytes left`);
  return frame;
}
