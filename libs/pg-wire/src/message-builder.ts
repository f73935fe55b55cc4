import { unexpected } from './pg-wire-error.js';
import { MAX_COUNT, MAX_SECRET_KEY_BYTES, MIN_SECRET_KEY_BYTES } from './protocol.js';

/** The fields an encoder writes, in order. Every write validates its value on the sizing pass. */
export interface MessageOut {
  int8(value: number, field: string): void;
  int16(value: number, field: string): void;
  uint16(value: number, field: string): void;
  int32(value: number, field: string): void;
  uint32(value: number, field: string): void;
  /** UTF-8 then NUL; refuses a NUL inside (it would end the string early) and unpaired surrogates. */
  cstring(value: string, field: string): void;
  bytes(value: Buffer, field: string): void;
  /** A 16-bit count; refuses more than fit. */
  count(value: number, field: string): void;
  /** An Int32 length and the bytes, or -1 for NULL. */
  value(value: Buffer | null, field: string): void;
}

type Body = (out: MessageOut) => void;

/**
 * Encodes a message with one allocation: `body` describes the layout and runs twice, once to size
 * (and validate) and once to write. `type` 0 writes an untyped startup-phase message.
 */
export function buildMessage(type: number, what: string, body: Body): Buffer {
  const sizer = new Sizer(what);
  body(sizer);
  const header = type === 0 ? 4 : 5;
  const length = sizer.size + 4;
  if (length > 0x7fffffff) unexpected(`${what}: message of ${length} bytes does not fit a length field`);
  const buffer = Buffer.allocUnsafe(header - 4 + length);
  let pos = 0;
  if (type !== 0) buffer[pos++] = type;
  buffer.writeInt32BE(length, pos);
  const writer = new Writer(buffer, pos + 4);
  body(writer);
  return buffer;
}

/** An encoder for a message without a body. */
export function emptyMessage(type: number, what: string): () => Buffer {
  return () => buildMessage(type, what, () => {});
}

export function typeByte(letter: string): number {
  return letter.charCodeAt(0);
}

/** A type-byte table (name → letter) as name → byte, for encoders. */
export function typeBytes<K extends string>(table: Readonly<Record<K, string>>): { readonly [N in K]: number } {
  return Object.fromEntries(Object.entries<string>(table).map(([name, letter]) => [name, typeByte(letter)])) as { [N in K]: number };
}

export function checkSecretKey(secretKey: Buffer, what: string): void {
  if (!Buffer.isBuffer(secretKey) || secretKey.length < MIN_SECRET_KEY_BYTES || secretKey.length > MAX_SECRET_KEY_BYTES) {
    unexpected(`${what}: the secret key must be ${MIN_SECRET_KEY_BYTES}..${MAX_SECRET_KEY_BYTES} bytes`);
  }
}

const LONE_SURROGATE = /\p{Cs}/u;

class Sizer implements MessageOut {
  size = 0;

  constructor(private readonly what: string) {}

  int8(value: number, field: string): void {
    this.integer(value, field, 0, 0xff);
    this.size += 1;
  }
  int16(value: number, field: string): void {
    this.integer(value, field, -0x8000, 0x7fff);
    this.size += 2;
  }
  uint16(value: number, field: string): void {
    this.integer(value, field, 0, 0xffff);
    this.size += 2;
  }
  int32(value: number, field: string): void {
    this.integer(value, field, -0x80000000, 0x7fffffff);
    this.size += 4;
  }
  uint32(value: number, field: string): void {
    this.integer(value, field, 0, 0xffffffff);
    this.size += 4;
  }
  cstring(value: string, field: string): void {
    if (typeof value !== 'string') unexpected(`${this.what}: ${field} is not a string`);
    if (value.includes('\0')) unexpected(`${this.what}: ${field} contains NUL`);
    if (LONE_SURROGATE.test(value)) unexpected(`${this.what}: ${field} contains an unpaired surrogate`);
    this.size += Buffer.byteLength(value, 'utf8') + 1;
  }
  bytes(value: Buffer, field: string): void {
    if (!Buffer.isBuffer(value)) unexpected(`${this.what}: ${field} is not a Buffer`);
    this.size += value.length;
  }
  count(value: number, field: string): void {
    if (value > MAX_COUNT) unexpected(`${this.what}: ${value} ${field} (at most ${MAX_COUNT})`);
    this.uint16(value, field);
  }
  value(value: Buffer | null, field: string): void {
    if (value === null) {
      this.size += 4;
      return;
    }
    this.bytes(value, field);
    if (value.length > 0x7fffffff) unexpected(`${this.what}: ${field} is too long`);
    this.size += 4;
  }

  private integer(value: number, field: string, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) unexpected(`${this.what}: ${field} must be an integer in ${min}..${max}`);
  }
}

class Writer implements MessageOut {
  constructor(
    private readonly buffer: Buffer,
    private pos: number,
  ) {}

  int8(value: number): void {
    this.buffer[this.pos++] = value & 0xff;
  }
  int16(value: number): void {
    this.pos = this.buffer.writeInt16BE(value, this.pos);
  }
  uint16(value: number): void {
    this.pos = this.buffer.writeUInt16BE(value, this.pos);
  }
  int32(value: number): void {
    this.pos = this.buffer.writeInt32BE(value, this.pos);
  }
  uint32(value: number): void {
    this.pos = this.buffer.writeUInt32BE(value, this.pos);
  }
  cstring(value: string): void {
    this.pos += this.buffer.write(value, this.pos, 'utf8');
    this.buffer[this.pos++] = 0;
  }
  bytes(value: Buffer): void {
    this.pos += value.copy(this.buffer, this.pos);
  }
  count(value: number): void {
    this.uint16(value);
  }
  value(value: Buffer | null): void {
    if (value === null) {
      this.int32(-1);
      return;
    }
    this.int32(value.length);
    this.bytes(value);
  }
}
