import { ensureStreams, newEvent, type Bus, type BusNames, type EventPublisher, type StreamLimits } from '@portcullis/bus';
import type { eventsV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';

/** How long to wait before the first retry; each further retry waits twice as long, up to maxMs. */
export interface RetryDelays {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const ANNOUNCE_RETRY: RetryDelays = { firstMs: 1000, maxMs: 30_000 };

export interface PolicyChangedOptions {
  /** The streams' limits, should this instance be the one to create them. */
  readonly limits?: StreamLimits;
  readonly bus: Pick<Bus, 'jsm'>;
  readonly publisher: EventPublisher;
  readonly names: BusNames;
  /** "policy:<instanceId>". */
  readonly source: string;
  /** What this instance decides with (cause START). */
  readonly announcement: eventsV1.PolicyChanged;
  readonly logger: Logger;
  readonly retry: RetryDelays;
}

/**
 * Announces the stored policy version this instance decides with, at its start: one durable
 * PolicyChanged event (cause START), so audit records which version each instance decided by and
 * gateways that remember decisions drop them. (Changes are announced through the outbox.)
 *
 * Deciding never waits on it: the event is a notification, and refusing to decide would not make
 * a gateway's remembered decisions any fresher. But a gateway that never hears of the new rules
 * keeps reusing decisions made under the old ones, so a failure is logged as an error and retried
 * (same event id, deduplicated by JetStream) until the event is stored or the instance stops.
 */
export class PolicyChangedPublisher {
  readonly event: eventsV1.Event;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: PolicyChangedOptions) {
    this.event = newEvent({
      requestId: '',
      connection: '',
      source: options.source,
      body: { $case: 'policyChanged', value: options.announcement },
    });
  }

  /** The first attempt. Resolves either way: a failure has been logged and a retry scheduled. */
  announce(): Promise<void> {
    return this.attempt(1, this.options.retry.firstMs);
  }

  /** No further retries; waits for an attempt in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private attempt(attempt: number, retryInMs: number): Promise<void> {
    const { bus, publisher, names, announcement, logger, retry } = this.options;
    const fields = { policyVersion: announcement.policyVersion, rules: announcement.rules, eventId: this.event.id, attempt };
    this.inFlight = (async () => {
      try {
        // Every attempt: the streams may be what was missing.
        await ensureStreams(bus.jsm, names, this.options.limits);
        const seq = await publisher.publish(this.event);
        logger.info({ ...fields, subject: names.eventSubject(this.event), seq }, 'policy start announced');
      } catch (err) {
        if (this.stopped) return;
        logger.error({ ...fields, err, retryInMs }, 'policy start NOT announced: audit cannot tell which version this instance decides with and gateways may reuse decisions made under another; retrying');
        this.timer = setTimeout(() => void this.attempt(attempt + 1, Math.min(retryInMs * 2, retry.maxMs)), retryInMs);
      }
    })();
    return this.inFlight;
  }
}
