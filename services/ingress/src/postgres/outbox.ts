import type { Socket } from 'node:net';

/** Bytes written at once at most; a larger backlog is written straight away. */
const FLUSH_AT = 64 * 1024;

/**
 * Messages for one socket, written together: every message of one turn of the event loop leaves
 * in one write (a ReadyForQuery with the rows before it; Parse, Bind and Describe together).
 * Syscalls, not bytes, are what each statement costs on these machines. `blocked` is told when
 * the socket's buffer is full, so the other side stops reading until it drains.
 */
export class Outbox {
  private parts: Buffer[] = [];
  private bytes = 0;
  private queued = false;

  constructor(
    private readonly socket: Socket,
    private readonly blocked: () => void = () => undefined,
  ) {}

  write(data: Buffer): void {
    if (this.socket.destroyed) return;
    this.parts.push(data);
    this.bytes += data.length;
    if (this.bytes >= FLUSH_AT) this.flush();
    else if (!this.queued) {
      this.queued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes what is waiting now (before anything is written to the socket past the outbox). */
  flush(): void {
    this.queued = false;
    if (this.parts.length === 0) return;
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    if (this.socket.destroyed) return;
    if (!this.socket.write(data)) this.blocked();
  }
}
