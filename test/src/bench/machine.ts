import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * wrk (required) and nginx (optional) from Debian, installed when missing: apt-get install, and
 * apt-get update first if that fails (its output goes to stderr: stdout is the report). Only the
 * bench does this; tests never depend on them.
 */
export function ensureTools(say: (line: string) => void): { wrk: boolean; nginx: boolean } {
  if (!hasCommand('wrk') || !hasCommand('nginx')) {
    const install = () => spawnSync('apt-get', ['install', '-y', 'wrk', 'nginx-light'], { stdio: ['ignore', 2, 2], timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    say('installing wrk and nginx-light with apt-get');
    if (!install()) {
      say('apt-get install failed; running apt-get update and trying again');
      spawnSync('apt-get', ['update'], { stdio: ['ignore', 2, 2], timeout: 300_000 });
      install();
    }
  }
  return { wrk: hasCommand('wrk'), nginx: hasCommand('nginx') };
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
}

export function describeMachine(nginx: boolean): Machine {
  const cpu = cpus();
  return {
    summary: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${type()} ${release()}, Node ${process.version}`,
    loadAverage: loadAverage(),
    // `wrk -v` prints "wrk debian/4.1.0-3+b2 [epoll] Copyright …"
    wrk: /^wrk (\S+)/.exec(firstLine('wrk', ['-v']))?.[1] ?? 'unknown',
    nginx: nginx ? (/nginx\/(\S+)/.exec(firstLine('nginx', ['-v']))?.[1] ?? 'unknown') : undefined,
  };
}
