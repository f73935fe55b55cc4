/**
 * What audit may remove from the event stream, and how far behind it is. Pure: the adapter
 * (bus/event-retention.ts) feeds it readings of audit's durable consumer.
 *
 * Only audit removes events, and only those it has committed: the consumer's ack floor, below
 * which every event is recorded (audit acks after the commit). Recorded events stay `retainMs`
 * longer, for the other readers of the stream (ingress catching up on revocations after a
 * restart, the last policy announcement); the stream never deletes by age on its own.
 */
export class RetentionPlan {
  /** Ack floors seen, oldest first: [when, floor]. */
  private readonly seen: [number, number][] = [];
  private purgedBelow = 0;

  constructor(private readonly retainMs: number) {}

  private epoch: string | undefined;
  private floor = 0;

  /**
   * A reading of the ack floor (stream sequence) at `now`. `epoch` names the stream and consumer
   * the floor belongs to (their creation times): when it changes — the stream or the consumer was
   * made again, and sequences started over — or the floor goes back, what was seen before means
   * nothing and is forgotten.
   */
  observe(now: number, ackFloor: number, epoch = ''): void {
    if (epoch !== this.epoch || ackFloor < this.floor) {
      this.seen.length = 0;
      this.purgedBelow = 0;
      this.epoch = epoch;
    }
    this.floor = ackFloor;
    const last = this.seen.at(-1);
    if (!last || ackFloor > last[1]) this.seen.push([now, ackFloor]);
  }

  /**
   * The sequence to purge below (every event with a lower sequence goes), or undefined when there
   * is nothing new to remove: the highest floor observed at least `retainMs` ago.
   */
  purgeBelow(now: number): number | undefined {
    let floor: number | undefined;
    while (this.seen.length > 0 && this.seen[0]![0] <= now - this.retainMs) floor = this.seen.shift()![1];
    if (floor === undefined) return undefined;
    // Keep the last reading in play: later readings may repeat it.
    this.seen.unshift([now - this.retainMs, floor]);
    // Never beyond the floor of the latest reading, whatever was seen before.
    const below = Math.min(floor, this.floor) + 1;
    if (below <= Math.max(this.purgedBelow, 1)) return undefined;
    return below;
  }

  /** After a purge below `seq` succeeded. */
  purged(seq: number): void {
    this.purgedBelow = Math.max(this.purgedBelow, seq);
  }
}

/** How far audit is behind the stream. */
export interface AuditLag {
  /** Events stored but not yet recorded (pending plus delivered and not acknowledged). */
  readonly events: number;
  /** Age of the oldest event not yet recorded (0 when none). */
  readonly seconds: number;
}

/** Whether `lag` is beyond the alert threshold: readiness turns red and a warning is logged. */
export function lagging(lag: AuditLag, thresholdSeconds: number): boolean {
  return lag.events > 0 && lag.seconds > thresholdSeconds;
}
