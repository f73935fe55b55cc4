import type { Logger } from 'pino';

/**
 * Reports a recurring task's health on change only: the first failure (warn) and the recovery
 * (info). A NATS or PostgreSQL outage then costs two log lines, not two per second.
 */
export class HealthLog {
  private failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  failed(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn({ err }, `${this.what} failing; retrying`);
  }

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info(`${this.what} recovered`);
  }
}

export interface Periodic {
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs `task` every `intervalMs` after the previous run finished (runs never overlap). */
export function every(intervalMs: number, task: () => Promise<unknown>, health: HealthLog): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  const run = () => {
    current = task().then(
      () => health.succeeded(),
      (err: unknown) => health.failed(err),
    );
    void current.finally(schedule);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
