import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { BusNames } from '@portcullis/bus';
import { describeSelector, selectorFromProto, type RevocationSelector } from '@portcullis/identity-client';
import { eventsV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';

export interface RevocationHandlers {
  /** An identity was revoked: drop what is cached of it and end its sessions (until: when it lapses). */
  revoked(selector: RevocationSelector, until: Date | undefined): void;
  /** A revocation was lifted. */
  lifted(selector: RevocationSelector): void;
}

/**
 * Follows IdentityRevoked / IdentityUnrevoked on the events stream with an ordered consumer from
 * the moment this instance starts (what was revoked before is refused by identity itself, and this
 * instance caches nothing older). Every instance follows on its own, so each ends the sessions it
 * holds within the time a message takes to arrive. An event that does not decode is logged and
 * skipped: identity still refuses the identity on its next verification.
 */
export class RevocationFollower {
  private stopped = false;
  private stopFollowing: (() => void) | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly names: BusNames,
    private readonly handlers: RevocationHandlers,
    private readonly logger: Logger,
  ) {}

  /** Starts following; resolves once the first consumer is in place (a failure to start is thrown). */
  async start(): Promise<void> {
    await this.follow(DeliverPolicy.New);
  }

  /**
   * One ordered consumer. Should it end (an error, the stream recreated), it is started again from
   * the same moment on — with a short backoff — so no revocation announced meanwhile is missed.
   */
  private async follow(policy: DeliverPolicy, since?: Date): Promise<void> {
    const consumer = await this.js.consumers.get(this.names.eventsStream, {
      filter_subjects: this.names.identityChanges,
      deliver_policy: policy,
      ...(since ? { opt_start_time: since.toISOString() } : {}),
    });
    const messages = await consumer.consume();
    this.stopFollowing = () => void messages.stop();
    let last = since ?? new Date();
    void (async () => {
      for await (const message of messages) {
        last = message.time;
        try {
          this.handle(message.data);
        } catch (err) {
          this.logger.error({ err }, 'applying a revocation failed');
        }
      }
    })()
      .catch((err: unknown) => {
        if (!this.stopped) this.logger.error({ err }, 'following revocations stopped; starting again');
      })
      .finally(() => {
        if (!this.stopped) this.restart(last);
      });
  }

  private restart(since: Date, delayMs = 200): void {
    const timer = setTimeout(() => {
      if (this.stopped) return;
      this.follow(DeliverPolicy.StartTime, since).catch((err: unknown) => {
        this.logger.error({ err }, 'could not follow revocations; retrying');
        this.restart(since, Math.min(delayMs * 2, 5000));
      });
    }, delayMs);
    timer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.stopFollowing?.();
  }

  private handle(data: Uint8Array): void {
    let event: eventsV1.Event;
    try {
      event = eventsV1.Event.decode(data);
    } catch {
      this.logger.warn({ subject: this.names.identityChanges }, 'ignoring an identity event that does not decode');
      return;
    }
    const body = event.body;
    if (body?.$case === 'identityRevoked') {
      const selector = selectorFromProto(body.value.revocation?.selector);
      if (!selector) return void this.logger.warn({ eventId: event.id }, 'ignoring an IdentityRevoked event without a valid selector');
      this.logger.warn({ eventId: event.id, revoked: describeSelector(selector) }, 'identity revoked: ending its sessions');
      this.handlers.revoked(selector, body.value.revocation?.expiresAt);
    } else if (body?.$case === 'identityUnrevoked') {
      const selector = selectorFromProto(body.value.selector);
      if (!selector) return void this.logger.warn({ eventId: event.id }, 'ignoring an IdentityUnrevoked event without a valid selector');
      this.logger.info({ eventId: event.id, lifted: describeSelector(selector) }, 'revocation lifted');
      this.handlers.lifted(selector);
    }
  }
}
