/**
 * Where a request's time went, stage by stage (authn, policy, record, approval, upstream, mask).
 * Sent to the caller as a Server-Timing header: durations only, never values.
 */
export class Stages {
  private last: number;
  private readonly entries: string[] = [];

  constructor(private readonly monotonic: () => number) {
    this.last = monotonic();
  }

  lap(stage: string): void {
    const now = this.monotonic();
    this.entries.push(`${stage};dur=${(now - this.last).toFixed(3)}`);
    this.last = now;
  }

  header(): string {
    return this.entries.join(', ');
  }
}
