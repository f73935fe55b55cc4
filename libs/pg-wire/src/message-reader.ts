import { PgWireError } from './pg-wire-error.js';
import { describeByte, MAX_STARTUP_BYTES } from './protocol.js';

/** One message as framed off the wire. */
export interface Frame {
  /** The message type byte; 0 for an untyped startup-phase message. */
  readonly type: number;
  /** The body, without type byte and length. */
  readonly payload: Buffer;
  /** The whole message as received, for pass-through. `payload` is a subarray of it. */
  readonly raw: Buffer;
}

export interface MessageReaderOptions {
  /**
   * The largest length field accepted (it counts itself and the body, not the type byte). A header
   * over it fails at once, before any of the body is buffered. Untyped messages are further capped at
   * MAX_STARTUP_BYTES, as PostgreSQL caps them.
   */
  readonly maxMessageBytes: number;
  /** The first message is untyped (a server reading its client: StartupMessage, SSLRequest, …). */
  readonly startup?: boolean;
}

function checkLimit(max: number): number {
  if (!Number.isInteger(max) || max < 8 || max > 0x7fffffff) {
    throw new PgWireError('UNEXPECTED', `maxMessageBytes must be an integer in 8..${0x7fffffff}`);
  }
  return max;
}

/** Chunks smaller than this are copied into a shared block: a peer trickling single bytes costs bytes, not a Buffer each. */
const COALESCE_BELOW = 1024;
const BLOCK_BYTES = 16 * 1024;
/** Consumed chunk slots are dropped from the list once there are this many. */
const COMPACT_AFTER = 256;

/**
 * Incremental framer for one direction of a connection. Push what the socket delivers, then call
 * `next()` until it returns undefined. Whole messages inside one pushed chunk are returned as
 * subarrays of it (no copy); a message split across chunks is copied once into its own buffer.
 *
 * Memory is bounded by the limit plus what was pushed since the last `next()`. After a framing
 * error the stream cannot be resynchronised: the reader drops what it holds, ignores further
 * pushes and throws the same error from every `next()`.
 */
export class MessageReader {
  private maxMessageBytes: number;
  private untyped: boolean;
  private chunks: Buffer[] = [];
  private first = 0;
  private offset = 0;
  private total = 0;
  private failure: PgWireError | undefined;
  /** The block small chunks are copied into; when `openView`, the last chunk is its bytes from `viewStart` to `blockUsed`. */
  private block: Buffer | undefined;
  private blockUsed = 0;
  private viewStart = 0;
  private openView = false;

  constructor(options: MessageReaderOptions) {
    this.maxMessageBytes = checkLimit(options.maxMessageBytes);
    this.untyped = options.startup ?? false;
  }

  /**
   * Changes the limit for the messages not yet returned, e.g. small while an unauthenticated client
   * can only send a password, larger once it has logged in.
   */
  setMaxMessageBytes(maxMessageBytes: number): void {
    this.maxMessageBytes = checkLimit(maxMessageBytes);
  }

  /** Bytes held and not yet returned in a frame. */
  get buffered(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (this.failure || chunk.length === 0) return;
    this.total += chunk.length;
    if (chunk.length >= COALESCE_BELOW) {
      this.chunks.push(chunk);
      this.openView = false;
      return;
    }
    let from = 0;
    while (from < chunk.length) {
      if (!this.block || this.blockUsed === this.block.length) {
        // Zero-filled: frames are views of this block, and a view's .buffer would show stale memory.
        this.block = Buffer.alloc(BLOCK_BYTES);
        this.blockUsed = 0;
        this.openView = false;
      }
      if (!this.openView) {
        this.viewStart = this.blockUsed;
        this.chunks.push(this.block.subarray(this.viewStart, this.viewStart));
        this.openView = true;
      }
      const copied = chunk.copy(this.block, this.blockUsed, from);
      from += copied;
      this.blockUsed += copied;
      this.chunks[this.chunks.length - 1] = this.block.subarray(this.viewStart, this.blockUsed);
    }
  }

  /** The next complete message, or undefined if more bytes are needed. Throws PgWireError on a bad header. */
  next(): Frame | undefined {
    if (this.failure) throw this.failure;
    return this.untyped ? this.nextUntyped() : this.nextTyped();
  }

  /**
   * The next single byte: the server's unframed answer to an SSLRequest or GSSENCRequest. Bytes
   * buffered after it were sent before the TLS handshake; a caller about to start TLS must refuse
   * them (CVE-2021-23222), which `buffered` tells.
   */
  nextByte(): number | undefined {
    if (this.failure) throw this.failure;
    if (this.total === 0) return undefined;
    return this.take(1)[0];
  }

  /**
   * The next message is untyped again: after answering an SSLRequest or GSSENCRequest with 'N', the
   * client sends its StartupMessage. (After 'S' the stream is TLS: `buffered` must then be 0, else
   * the client sent plaintext that must not be trusted, CVE-2021-23214.)
   */
  expectUntyped(): void {
    this.untyped = true;
  }

  private nextTyped(): Frame | undefined {
    if (this.total < 5) return undefined;
    const type = this.byteAt(0);
    if (type === 0) this.fail('MALFORMED', `message type ${describeByte(type)} is not a message type`);
    const length = this.uint32At(1);
    if (length < 4) this.fail('MALFORMED', `message ${describeByte(type)} has length ${length}, less than 4`);
    if (length > this.maxMessageBytes) {
      this.fail('MESSAGE_TOO_LARGE', `message ${describeByte(type)} has length ${length}, over the limit of ${this.maxMessageBytes}`);
    }
    if (this.total < 1 + length) return undefined;
    const raw = this.take(1 + length);
    return { type, payload: raw.subarray(5), raw };
  }

  private nextUntyped(): Frame | undefined {
    if (this.total < 4) return undefined;
    const length = this.uint32At(0);
    if (length < 8) this.fail('MALFORMED', `startup-phase message has length ${length}, less than 8`);
    const limit = Math.min(this.maxMessageBytes, MAX_STARTUP_BYTES);
    if (length > limit) this.fail('MESSAGE_TOO_LARGE', `startup-phase message has length ${length}, over the limit of ${limit}`);
    if (this.total < length) return undefined;
    const raw = this.take(length);
    this.untyped = false;
    return { type: 0, payload: raw.subarray(4), raw };
  }

  private fail(code: 'MALFORMED' | 'MESSAGE_TOO_LARGE', message: string): never {
    this.failure = new PgWireError(code, message);
    this.chunks = [];
    this.first = 0;
    this.offset = 0;
    this.total = 0;
    this.block = undefined;
    this.openView = false;
    throw this.failure;
  }

  /** The byte `index` places past the read position; only called with index < total and < 5. */
  private byteAt(index: number): number {
    let i = this.first;
    let at = this.offset + index;
    for (;;) {
      const chunk = this.chunks[i]!;
      if (at < chunk.length) return chunk[at]!;
      at -= chunk.length;
      i++;
    }
  }

  private uint32At(index: number): number {
    return ((this.byteAt(index) << 24) | (this.byteAt(index + 1) << 16) | (this.byteAt(index + 2) << 8) | this.byteAt(index + 3)) >>> 0;
  }

  /** Removes and returns the next `length` bytes (length <= total): a subarray if they lie in one chunk, else one copy. */
  private take(length: number): Buffer {
    const head = this.chunks[this.first]!;
    if (head.length - this.offset >= length) {
      const out = head.subarray(this.offset, this.offset + length);
      this.advance(length);
      return out;
    }
    // Unpooled and filled completely, so the frame's .buffer holds this message and nothing else.
    const out = Buffer.allocUnsafeSlow(length);
    let written = 0;
    while (written < length) {
      const chunk = this.chunks[this.first]!;
      const n = Math.min(chunk.length - this.offset, length - written);
      chunk.copy(out, written, this.offset, this.offset + n);
      written += n;
      this.advance(n);
    }
    return out;
  }

  private advance(length: number): void {
    this.total -= length;
    let left = length;
    while (left > 0) {
      const available = this.chunks[this.first]!.length - this.offset;
      if (left < available) {
        this.offset += left;
        return;
      }
      left -= available;
      this.first++;
      this.offset = 0;
    }
    if (this.first === this.chunks.length) {
      // Everything consumed: the open view (always the last chunk) is gone too.
      this.chunks = [];
      this.first = 0;
      this.openView = false;
    } else if (this.first >= COMPACT_AFTER) {
      this.chunks.splice(0, this.first);
      this.first = 0;
    }
  }
}
