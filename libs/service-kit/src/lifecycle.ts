import type { Logger } from 'pino';
import { createLogger } from './logger.js';

/** Every service moves through these states, in this order, once. */
export type Lifecycle = 'starting' | 'serving' | 'draining' | 'stopped';

/** What a service's app.ts exposes to its main.ts. */
export interface App {
  start(): Promise<void>;
  /** Stop taking work, finish what is in flight, release connections. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs an app as a process: starts it, serves until SIGTERM/SIGINT, then drains and exits.
 * A failure to start exits non-zero with the reason; a second signal exits at once.
 */
export async function runService(name: string, logger: Logger, app: App): Promise<void> {
  let state: Lifecycle = 'starting';
  const transition = (next: Lifecycle) => {
    state = next;
    logger.info({ state }, `${name} ${next}`);
  };
  const shutdown = async (signal: string) => {
    if (state === 'draining' || state === 'stopped') {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    transition('draining');
    try {
      await app.stop();
      transition('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'drain failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  transition('starting');
  try {
    await app.start();
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
  transition('serving');
}

/** Prints a configuration problem for a human (no JSON wrapping) and exits. */
export function exitWithConfigError(name: string, err: unknown): never {
  process.stderr.write(`${name}: ${(err as Error).message}\n`);
  process.exit(78); // EX_CONFIG
}

/**
 * A service's whole main.ts: read the config (exit 78 listing every problem), create the logger,
 * build the app, run it until SIGTERM.
 */
export async function serve<C extends { readonly logLevel: string }>(name: string, loadConfig: (env: NodeJS.ProcessEnv) => C, createApp: (config: C, logger: Logger) => App): Promise<void> {
  let config: C;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    exitWithConfigError(name, err);
  }
  const logger = createLogger(name, config.logLevel);
  await runService(name, logger, createApp(config, logger));
}
