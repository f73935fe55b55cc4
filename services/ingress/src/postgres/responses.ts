import type { Frame } from '@portcullis/pg-wire';

/** What an expectation makes of one database message. */
export const enum Step {
  /** More messages belong to it. */
  More,
  /** It is complete. */
  Done,
  /** It ended with an ErrorResponse: in an extended-protocol batch the database now skips to Sync. */
  Failed,
}

/**
 * One answer the database owes, in the order the gateway sent it the messages: a ParseComplete, a
 * statement's rows, a ReadyForQuery. The gateway's own answers (a refusal in place of a statement)
 * queue among them, so the client sees every answer in the order of its messages.
 */
export interface Expectation {
  /** An extended-protocol message: the database skips it after an earlier error, until Sync. */
  readonly extended: boolean;
  /** A Sync: answered even while skipping, and it ends the skipping. */
  readonly sync?: boolean;
  /** The gateway's own answer: emitted when it reaches the head, consumes no database message. */
  emit?(): void;
  /** Takes one database message (may wait, e.g. for the catalog before the first masked row). */
  accept?(frame: Frame): Step | Promise<Step>;
  /** The database skipped the message (an earlier error in the same batch); nothing was run. */
  skipped(): void;
  /** The session ended before the answer came. */
  abandon(): void;
}

/**
 * The queue of answers the database owes. Messages from the database are matched to the head;
 * after an extended-protocol error, what follows up to the next Sync is skipped as the database
 * skips it (and what the gateway queues meanwhile, before a Sync, is skipped at once).
 */
export class ResponseQueue {
  private readonly queue: Expectation[] = [];
  private skipping = false;

  get size(): number {
    return this.queue.length;
  }

  get head(): Expectation | undefined {
    this.flush();
    return this.queue[0];
  }

  push(expectation: Expectation): void {
    if (this.skipping) {
      if (expectation.sync) this.skipping = false;
      else {
        expectation.skipped();
        return;
      }
    }
    this.queue.push(expectation);
    this.flush();
  }

  /** The head took its last message; `failed`: it ended with an error. */
  complete(step: Step.Done | Step.Failed): void {
    const done = this.queue.shift();
    if (step === Step.Failed && done?.extended) {
      let next = this.queue[0];
      while (next && !next.sync) {
        this.queue.shift();
        next.skipped();
        next = this.queue[0];
      }
      if (!next) this.skipping = true;
    }
    this.flush();
  }

  /** Ends every expectation (the session is over). */
  abandon(): void {
    for (const expectation of this.queue.splice(0)) expectation.abandon();
  }

  private flush(): void {
    let head = this.queue[0];
    while (head?.emit) {
      this.queue.shift();
      head.emit();
      head = this.queue[0];
    }
  }
}
