import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@portcullis/service-kit';
import { SHUTTING_DOWN } from '../domain/request-flow.js';

export interface ListenerOptions {
  /** For logs: "http", "postgres". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Units of work (requests, sessions) at once; beyond it new work is refused by the protocol. */
  readonly maxInFlight: number;
  /** On stop, how long work in flight may finish before its connections are cut (ms). */
  readonly drainMs: number;
}

/**
 * The data path's counterpart of the gRPC server: owns one listening socket, the work in flight on
 * it and its shutdown. Lifecycle `starting → serving → draining → stopped`: `stop()` stops
 * accepting, aborts `shutdown` (held requests are released, refused — never forwarded), lets work
 * in flight finish within `drainMs`, then cuts what is left. Protocol listeners (HTTP, PostgreSQL)
 * give it their `net.Server`, ask `admission()` before each unit of work and `track` it.
 */
export class Listener {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sockets = new Set<Socket>();
  private readonly aborter = new AbortController();
  private state: 'starting' | 'serving' | 'draining' | 'stopped' = 'starting';

  constructor(
    private readonly server: Server,
    private readonly options: ListenerOptions,
    private readonly logger: Logger,
    /** Protocol hook: close connections that carry no work (HTTP keep-alive). */
    private readonly closeIdle: () => void = () => undefined,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Aborted with reason SHUTTING_DOWN when the listener starts draining. */
  get shutdown(): AbortSignal {
    return this.aborter.signal;
  }

  get serving(): boolean {
    return this.state === 'serving';
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * Why new work cannot be taken now ('stopping' or 'busy'), or undefined: then `track` it. The
   * caller refuses in its own protocol.
   */
  admission(): 'stopping' | 'busy' | undefined {
    if (this.state !== 'serving') return 'stopping';
    if (this.inFlight.size >= this.options.maxInFlight) return 'busy';
    return undefined;
  }

  /** Tracks work until it settles; a failure is logged (the work refuses its caller itself). */
  track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.logger.error({ err, listener: this.options.name }, 'work failed unexpectedly'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.state = 'serving';
    this.logger.info({ listener: this.options.name, address: `${this.options.host}:${this.port}` }, 'listening');
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'draining') return;
    this.state = 'draining';
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closeIdle();
    this.aborter.abort(SHUTTING_DOWN);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, this.options.drainMs)))]);
    clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.state = 'stopped';
  }
}
