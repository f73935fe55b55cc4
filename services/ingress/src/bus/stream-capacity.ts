import type { JetStreamManager } from '@nats-io/jetstream';
import { every, HealthLog, type Logger, type Periodic } from '@portcullis/service-kit';

export interface StreamCapacityOptions {
  /** How often the stream's fill is read (ms). */
  readonly intervalMs: number;
  /** Fill (percent of max_bytes or max_msgs) from which new requests are refused. */
  readonly highWaterPercent: number;
}

/**
 * Whether the event stream has room for new requests. Read every `intervalMs`; from
 * `highWaterPercent` of its byte or message limit on, new requests are refused with 503 (their
 * events would be refused soon, or take the room that events of requests already forwarded need).
 * A reading that fails keeps the last answer; the bus's own refusal (a full stream discards new
 * messages) stays the backstop either way.
 */
export class StreamCapacity {
  private full = false;
  private periodic: Periodic | undefined;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly options: StreamCapacityOptions,
    private readonly logger: Logger,
  ) {}

  accepting(): boolean {
    return !this.full;
  }

  async start(): Promise<void> {
    await this.read();
    this.periodic = every(this.options.intervalMs, () => this.read(), new HealthLog(this.logger, 'event stream capacity reading'));
  }

  stop(): Promise<void> {
    return this.periodic?.stop() ?? Promise.resolve();
  }

  private async read(): Promise<void> {
    const { state, config } = await this.jsm.streams.info(this.stream);
    const share = Math.max(config.max_bytes > 0 ? state.bytes / config.max_bytes : 0, config.max_msgs > 0 ? state.messages / config.max_msgs : 0);
    const full = share * 100 >= this.options.highWaterPercent;
    if (full !== this.full) {
      if (full) this.logger.error({ stream: this.stream, bytes: state.bytes, maxBytes: config.max_bytes, messages: state.messages }, 'event stream nearly full: new requests are refused (503) until audit catches up');
      else this.logger.info({ stream: this.stream, bytes: state.bytes }, 'event stream has room again: requests accepted');
      this.full = full;
    }
  }
}
