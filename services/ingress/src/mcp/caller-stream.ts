import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from './jsonrpc.js';

/**
 * The answer to one caller POST: a single JSON response when nothing came before it, or an SSE
 * stream as soon as something must be sent first (a progress notification, a hold notice, a
 * server-to-client request). Each message is written as it is ready (masked before it gets here);
 * a slow caller holds the producer back.
 */
export class CallerStream {
  private streaming = false;
  private ended = false;
  private bytes = 0;
  private keepAlive: NodeJS.Timeout | undefined;
  private nextEventId = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string> = {},
  ) {}

  get sent(): number {
    return this.bytes;
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  /** A message before the response (switches to SSE). */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.ended) return;
    this.startStream();
    await this.write(this.event(message));
  }

  /** Comments every `ms` so that proxies keep a quiet stream (a held request) open. */
  keepOpen(ms: number): void {
    this.startStream();
    if (this.keepAlive) return;
    this.keepAlive = setInterval(() => {
      if (!this.ended && !this.res.destroyed) this.res.write(': waiting\n\n');
    }, ms);
    this.keepAlive.unref();
  }

  /** The response; ends the answer. `status` and `headers` apply only when it is a plain response (not SSE). */
  async finish(message: JsonRpcMessage, status = 200, headers: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.ended) return;
    if (this.streaming) {
      await this.write(this.event(message));
      this.end();
      return;
    }
    const body = JSON.stringify(message);
    this.bytes += Buffer.byteLength(body);
    this.ended = true;
    if (!this.res.headersSent) this.res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...this.headers, ...headers });
    this.res.end(body);
  }

  /** Ends without a response (the caller went away, or a notification was accepted). */
  end(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }

  private startStream(): void {
    if (this.streaming || this.res.headersSent) return;
    this.streaming = true;
    this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...this.headers });
    this.res.flushHeaders();
  }

  private event(message: JsonRpcMessage): string {
    return `id: ${this.nextEventId++}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`;
  }

  private async write(text: string): Promise<void> {
    if (this.res.destroyed) return;
    this.bytes += Buffer.byteLength(text);
    if (!this.res.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.once('drain', done);
        this.res.once('close', done);
      });
    }
    if (this.ended && this.keepAlive) clearInterval(this.keepAlive);
  }
}
