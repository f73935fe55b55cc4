import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { ensureDatabaseExists } from '@portcullis/db';

export interface Say {
  (line: string): void;
}

/**
 * Makes sure NATS with JetStream answers at `url`. If nothing answers at a local address and
 * nats-server is installed, starts one with JetStream (stopped with the stack).
 */
export async function ensureNats(url: string, dataDir: string, say: Say): Promise<ChildProcess | undefined> {
  if (await natsAnswers(url)) return undefined;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost'].includes(parsed.hostname);
  if (!local || !hasCommand('nats-server')) {
    throw new Error(`NATS is not reachable at ${parsed.host}. Start nats-server with JetStream (nats-server -js) or set NATS_URL.`);
  }
  mkdirSync(dataDir, { recursive: true });
  say(`starting nats-server -js on ${parsed.host} (data in ${dataDir})`);
  const child = spawn('nats-server', ['-js', '-a', parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname, '-p', parsed.port || '4222', '-sd', dataDir], { stdio: 'ignore', detached: true });
  for (let i = 0; i < 50; i++) {
    if (await natsAnswers(url)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('nats-server did not come up within 5 s');
}

async function natsAnswers(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 1000, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure PostgreSQL answers and the database exists. If a local cluster is installed but
 * stopped, starts it with pg_ctlcluster (Debian), the documented way on these machines.
 */
export async function ensurePostgres(url: string, say: Say): Promise<void> {
  try {
    await ensureDatabaseExists(url);
    return;
  } catch (err) {
    const parsed = new URL(url);
    const local = ['127.0.0.1', 'localhost'].includes(parsed.hostname);
    if (!local || !hasCommand('pg_ctlcluster') || !/ECONNREFUSED|connect/i.test((err as Error).message)) throw err;
  }
  const versions = spawnSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  const version = versions.at(-1);
  if (!version) throw new Error('PostgreSQL is not reachable and no local cluster is installed. Start PostgreSQL or set DATABASE_URL.');
  say(`starting local PostgreSQL ${version} cluster`);
  spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  await ensureDatabaseExists(url);
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
