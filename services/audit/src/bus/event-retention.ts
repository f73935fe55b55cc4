import { AUDIT_DURABLE, type BusNames } from '@portcullis/bus';
import type { JetStreamManager } from '@nats-io/jetstream';
import { consumerProblem } from './audit.consumer.js';
import { every, HealthLog, type Logger, type Periodic } from '@portcullis/service-kit';
import { lagging, RetentionPlan, type AuditLag } from '../domain/index.js';

export interface RetentionOptions {
  /** How often the consumer is read, the lag judged and recorded events trimmed (ms). */
  readonly intervalMs: number;
  /** How long recorded events stay in the stream for its other readers (ms). */
  readonly retainMs: number;
  /** Lag (age of the oldest unrecorded event) beyond which readiness turns red (s). */
  readonly lagAlertSeconds: number;
}

/** What the watch last saw: audit's lag and the event stream's fill. */
export interface StreamReading {
  readonly lag: AuditLag;
  readonly lagging: boolean;
  readonly stream: { readonly bytes: number; readonly messages: number; readonly maxBytes: number };
}

export interface EventStreamWatch extends Periodic {
  /** The last reading; undefined before the first. */
  reading(): StreamReading | undefined;
}

/**
 * Every `intervalMs`: reads audit's durable consumer and the event stream, judges the lag (a warning
 * when it goes over the threshold, and `onLagging(true)` — readiness red — until it is back under),
 * and removes events audit has recorded once they are `retainMs` old (RetentionPlan). Failures are
 * logged on change only and retried at the next tick; nothing is removed on a failed reading.
 */
export function watchEventStream(jsm: JetStreamManager, names: BusNames, options: RetentionOptions, logger: Logger, onLagging: (lagging: boolean) => void): EventStreamWatch {
  const plan = new RetentionPlan(options.retainMs);
  let last: StreamReading | undefined;
  let lastProblem: string | undefined;
  const tick = async () => {
    const now = Date.now();
    const [consumer, stream] = await Promise.all([jsm.consumers.info(names.eventsStream, AUDIT_DURABLE), jsm.streams.info(names.eventsStream)]);
    const floor = consumer.ack_floor.stream_seq;
    plan.observe(now, floor, `${stream.created}/${consumer.created}`);
    // The floor means "recorded" only for the consumer audit made: every event, each delivered
    // until acked. Anything else (changed by someone) and nothing is trimmed, and readiness is red.
    const tampered = consumerProblem(consumer.config, names);
    if (tampered && tampered !== lastProblem) logger.error({ problem: tampered }, 'audit\'s consumer is not as audit made it: nothing is trimmed and readiness is red until it is');
    lastProblem = tampered;
    const events = consumer.num_pending + consumer.num_ack_pending;
    let seconds = 0;
    if (events > 0) {
      const oldest = await jsm.streams.getMessage(names.eventsStream, { seq: Math.max(floor + 1, stream.state.first_seq) }).catch(() => null);
      if (oldest) seconds = Math.max(0, (now - oldest.time.getTime()) / 1000);
    }
    const lag = { events, seconds };
    const red = lagging(lag, options.lagAlertSeconds) || tampered !== undefined;
    if (red !== (last?.lagging ?? false)) {
      if (red) logger.warn({ lagEvents: events, lagSeconds: Math.round(seconds), thresholdSeconds: options.lagAlertSeconds }, 'audit is behind the event stream: readiness is red until it catches up');
      else logger.info({ lagEvents: events }, 'audit caught up with the event stream');
      onLagging(red);
    }
    last = { lag, lagging: red, stream: { bytes: stream.state.bytes, messages: stream.state.messages, maxBytes: stream.config.max_bytes } };
    const below = tampered ? undefined : plan.purgeBelow(now);
    if (below !== undefined) {
      const { purged } = await jsm.streams.purge(names.eventsStream, { seq: below });
      plan.purged(below);
      if (purged > 0) logger.debug({ purged, below }, 'recorded events trimmed from the stream');
    }
  };
  const periodic = every(options.intervalMs, tick, new HealthLog(logger, 'event stream watch'));
  return { reading: () => last, stop: () => periodic.stop() };
}

