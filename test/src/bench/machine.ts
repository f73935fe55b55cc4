import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The bench's tools from Debian: wrk (required), nginx and pgbouncer (their rows are skipped without them). */
const PACKAGES = { wrk: 'wrk', nginx: 'nginx-light', pgbouncer: 'pgbouncer' } as const;
export type Tools = Record<keyof typeof PACKAGES | 'pgbench', boolean>;

/**
 * Installs what is missing of PACKAGES: apt-get install, and apt-get update first if that fails
 * (its output goes to stderr: stdout is the report). pgbench comes with PostgreSQL itself. Only
 * the bench does this; tests never depend on them.
 */
export function ensureTools(say: (line: string) => void): Tools {
  const missing = Object.entries(PACKAGES).filter(([command]) => !hasCommand(command)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    const install = () => spawnSync('apt-get', ['install', '-y', ...missing], { stdio: ['ignore', 2, 2], timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    say(`installing ${missing.join(', ')} with apt-get`);
    if (!install()) {
      say('apt-get install failed; running apt-get update and trying again');
      spawnSync('apt-get', ['update'], { stdio: ['ignore', 2, 2], timeout: 300_000 });
      install();
    }
  }
  return { wrk: hasCommand('wrk'), nginx: hasCommand('nginx'), pgbouncer: hasCommand('pgbouncer'), pgbench: hasCommand('pgbench') };
}

function firstLine(command: string, args: string[]): string {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
}

/** 1, 5 and 15 min load averages. */
export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

export interface Machine {
  readonly summary: string;
  readonly loadAverage: string;
  readonly wrk: string;
  readonly nginx: string | undefined;
  readonly pgbench: string | undefined;
  readonly pgbouncer: string | undefined;
}

/** CPUs, memory, kernel and Node, as the report's "Machine" line reads. */
export function machineSummary(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()} ${release()}, Node ${process.version}`;
}

export function describeMachine(tools: Tools): Machine {
  return {
    summary: machineSummary(),
    loadAverage: loadAverage(),
    // `wrk -v` prints "wrk debian/4.1.0-3+b2 [epoll] Copyright …"
    wrk: /^wrk (\S+)/.exec(firstLine('wrk', ['-v']))?.[1] ?? 'unknown',
    nginx: tools.nginx ? (/nginx\/(\S+)/.exec(firstLine('nginx', ['-v']))?.[1] ?? 'unknown') : undefined,
    // "pgbench (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", "PgBouncer 1.18.0"
    pgbench: tools.pgbench ? (/\(PostgreSQL\) (.+)$/.exec(firstLine('pgbench', ['--version']))?.[1] ?? 'unknown') : undefined,
    pgbouncer: tools.pgbouncer ? (/PgBouncer (\S+)/.exec(firstLine('pgbouncer', ['--version']))?.[1] ?? 'unknown') : undefined,
  };
}
