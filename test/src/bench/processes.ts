import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Everything the bench started, stopped in reverse order exactly once: at the end, on failure, or
 * on SIGINT/SIGTERM. Once closed, whatever registers is stopped at once and the run is abandoned.
 */
export class Cleanup {
  private readonly steps: { what: string; stop: () => Promise<void> }[] = [];
  private readonly children = new Set<ChildProcess>();
  private running?: Promise<void>;

  constructor(private readonly say: (line: string) => void) {
    // A bench killed outright must not leave its children serving.
    process.once('exit', () => {
      for (const child of this.children) child.kill('SIGKILL');
    });
  }

  get closed(): boolean {
    return this.running !== undefined;
  }

  /** Throws when the run was interrupted, so no further step starts. */
  throwIfClosed(): void {
    if (this.closed) throw new Error('bench interrupted');
  }

  add(what: string, stop: () => Promise<void>): void {
    if (this.closed) {
      void stop().catch(() => undefined);
      this.throwIfClosed();
    }
    this.steps.push({ what, stop });
  }

  /** Tracks a child process: killed on process exit, whatever happens. */
  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await step.stop();
        } catch (err) {
          this.say(`stopping ${step.what} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

export interface Service {
  readonly name: string;
  readonly port: number;
}

/**
 * Starts a long-running child (nginx, the bare hop, pgbouncer), logs its output to `logPath` and resolves once
 * its port accepts connections; registers its stop (SIGTERM, then SIGKILL after 5 s).
 */
export async function startService(
  cleanup: Cleanup,
  options: { name: string; command: string; args: string[]; env?: Record<string, string>; port: number; logPath: string; runAs?: { uid: number; gid: number } },
): Promise<Service> {
  const log = createWriteStream(options.logPath, { flags: 'a' });
  // stdin stays a pipe: a child of ours may exit when it closes, so it cannot outlive the bench.
  // runAs: a server that refuses root (pgbouncer) is still our own child, so stopping it stops it.
  const child = spawn(options.command, options.args, {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid, cwd: '/' } : {}),
  });
  cleanup.track(child);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let exited: string | undefined;
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => (markGone = resolve));
  child.once('exit', (code, signal) => ((exited = String(code ?? signal)), markGone()));
  child.once('error', (err) => ((stderr += err.message), (exited ??= 'spawn error'), markGone()));
  child.once('close', () => log.end());
  cleanup.add(options.name, async () => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  });

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.name} exited during start (${exited}): ${stderr.trim() || `see ${options.logPath}`}`);
    if (await accepts(options.port)) return { name: options.name, port: options.port };
    if (Date.now() > deadline) throw new Error(`${options.name} did not listen on 127.0.0.1:${options.port} within 10 s; see ${options.logPath}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * A bench entry point: `main` runs with a Cleanup that SIGINT/SIGTERM, a failure and the end all
 * run once; the exit status is 0 only when `main` says the run is valid. `main` gets a scratch
 * directory, removed at the end of a valid run and kept (and named) otherwise, for its logs.
 */
export async function runBench(say: (line: string) => void, prefix: string, main: (cleanup: Cleanup, dir: string) => Promise<boolean>): Promise<void> {
  const cleanup = new Cleanup(say);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping everything…`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let ok = false;
  cleanup.add('temp dir', async () => {
    if (!ok) say(`logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  try {
    ok = await main(cleanup, dir);
  } catch (err) {
    say(`failed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await cleanup.run();
  }
  process.exitCode = ok ? 0 : 1;
}
