import { isUtf8 } from 'node:buffer';
import { malformed } from './pg-wire-error.js';
import { describeByte } from './protocol.js';

export type Format = 0 | 1;

/**
 * Reads one message body front to back. Every read checks the bytes are there first, so a decoder
 * built on it can only fail with MALFORMED, and `end()` refuses trailing bytes the way PostgreSQL's
 * pq_getmsgend does. Values are subarrays of the payload: nothing is copied.
 */
export class PayloadCursor {
  private pos = 0;

  constructor(
    private readonly payload: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.payload.length - this.pos;
  }

  fail(detail: string): never {
    return malformed(`${this.what}: ${detail}`);
  }

  byte(field: string): number {
    this.need(1, field);
    return this.payload[this.pos++]!;
  }

  int16(field: string): number {
    this.need(2, field);
    const value = this.payload.readInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  uint16(field: string): number {
    this.need(2, field);
    const value = this.payload.readUInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  int32(field: string): number {
    this.need(4, field);
    const value = this.payload.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  uint32(field: string): number {
    this.need(4, field);
    const value = this.payload.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  /** A NUL-terminated UTF-8 string that ends inside the payload. */
  cstring(field: string): string {
    const nul = this.payload.indexOf(0, this.pos);
    if (nul < 0) this.fail(`${field} is not NUL-terminated`);
    const bytes = this.payload.subarray(this.pos, nul);
    if (!isUtf8(bytes)) this.fail(`${field} is not valid UTF-8`);
    this.pos = nul + 1;
    return bytes.toString('utf8');
  }

  bytes(length: number, field: string): Buffer {
    this.need(length, field);
    const value = this.payload.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  rest(): Buffer {
    const value = this.payload.subarray(this.pos);
    this.pos = this.payload.length;
    return value;
  }

  /** An Int32 length then that many bytes; -1 is NULL, any other negative length is refused. */
  value(field: string): Buffer | null {
    const length = this.int32(`${field} length`);
    if (length === -1) return null;
    if (length < 0) this.fail(`${field} has negative length ${length}`);
    return this.bytes(length, field);
  }

  format(field: string): Format {
    const value = this.int16(field);
    if (value !== 0 && value !== 1) this.fail(`${field} is ${value}, not 0 (text) or 1 (binary)`);
    return value;
  }

  /** One byte that must be one of `letters`. */
  letter<L extends string>(letters: readonly L[], field: string): L {
    const byte = this.byte(field);
    const letter = letters.find((l) => l.charCodeAt(0) === byte);
    if (letter === undefined) this.fail(`${field} ${describeByte(byte)} is not one of ${letters.map((l) => `'${l}'`).join(', ')}`);
    return letter;
  }

  /** A 16-bit count of items of at least `minBytes` each, refused before any item is read if they cannot fit. */
  count(field: string, minBytes: number): number {
    const count = this.uint16(field);
    if (count * minBytes > this.remaining) this.fail(`${field} ${count} overruns the message (${this.remaining} bytes left)`);
    return count;
  }

  formats(field: string): Format[] {
    const count = this.count(`${field} count`, 2);
    const formats: Format[] = [];
    for (let i = 0; i < count; i++) formats.push(this.format(`${field} ${i}`));
    return formats;
  }

  values(field: string): (Buffer | null)[] {
    const count = this.count(`${field} count`, 4);
    const values: (Buffer | null)[] = [];
    for (let i = 0; i < count; i++) values.push(this.value(`${field} ${i}`));
    return values;
  }

  end(): void {
    if (this.pos !== this.payload.length) this.fail(`${this.payload.length - this.pos} trailing byte(s)`);
  }

  private need(length: number, field: string): void {
    if (length > this.payload.length - this.pos) this.fail(`${field} overruns the message`);
  }
}
