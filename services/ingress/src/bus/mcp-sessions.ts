import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { mcpCancelSubject, mcpSessionEndedSubject, mcpSessionsStream } from '@portcullis/bus';
import type { Logger } from '@portcullis/service-kit';
import type { CancelRelay, EndedSessions } from '../mcp/mcp.gateway.js';
import type { JsonRpcId } from '../mcp/jsonrpc.js';

/**
 * MCP sessions callers deleted, shared by every ingress instance through a JetStream stream (a
 * sealed session id stays valid until it expires, so a deleted one must be remembered until then).
 * Each instance reads the stream from the start and follows it, so a lookup is a local set; a
 * session deleted on one instance is refused on the others as soon as the message reaches them
 * (milliseconds).
 */
export class JetStreamEndedSessions implements EndedSessions {
  private readonly ended = new Map<string, number>();
  private stopped = false;
  private stopFollowing: (() => void) | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly namespace: string,
    private readonly maxAgeMs: number,
    private readonly logger: Logger,
  ) {}

  private get stream(): string {
    return mcpSessionsStream(this.namespace);
  }

  private get subject(): string {
    return mcpSessionEndedSubject(this.namespace);
  }

  async start(): Promise<void> {
    const config = { name: this.stream, subjects: [this.subject], storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, max_age: this.maxAgeMs * 1e6, duplicate_window: 60 * 1e9 };
    const existing = await this.jsm.streams.info(this.stream).catch(() => undefined);
    if (!existing) await this.jsm.streams.add(config).catch(async (err: Error) => {
      if (!(await this.jsm.streams.info(this.stream).catch(() => undefined))) throw err;
    });
    const consumer = await this.js.consumers.get(this.stream);
    const messages = await consumer.consume();
    this.stopFollowing = () => void messages.stop();
    void (async () => {
      for await (const message of messages) {
        try {
          const { id, until } = message.json<{ id: string; until: number }>();
          if (typeof id === 'string' && typeof until === 'number') this.ended.set(id, until);
        } catch {
          this.logger.warn({ stream: this.stream }, 'ignoring a malformed ended-session record');
        }
      }
    })().catch((err: unknown) => {
      if (!this.stopped) this.logger.error({ err }, 'following ended MCP sessions stopped');
    });
    this.prune();
  }

  has(id: string): boolean {
    const until = this.ended.get(id);
    return until !== undefined && until > Date.now();
  }

  async add(id: string, until: number): Promise<void> {
    this.ended.set(id, until);
    await this.js.publish(this.subject, JSON.stringify({ id, until }), { msgID: `ended-${id}` });
  }

  stop(): void {
    this.stopped = true;
    this.stopFollowing?.();
  }

  private prune(): void {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id);
    }, 60_000);
    timer.unref();
  }
}

/** notifications/cancelled that arrived at another instance than the one running the request. */
export class NatsCancelRelay implements CancelRelay {
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly namespace: string,
  ) {}

  private get subject(): string {
    return mcpCancelSubject(this.namespace);
  }

  start(onCancel: (key: string, id: JsonRpcId) => void): void {
    this.subscription = this.nc.subscribe(this.subject, {
      callback: (err, message) => {
        if (err) return;
        try {
          const { key, id } = message.json<{ key: string; id: JsonRpcId }>();
          if (typeof key === 'string' && (typeof id === 'string' || typeof id === 'number')) onCancel(key, id);
        } catch {
          // not ours
        }
      },
    });
  }

  publish(key: string, id: JsonRpcId): void {
    this.nc.publish(this.subject, JSON.stringify({ key, id }));
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
