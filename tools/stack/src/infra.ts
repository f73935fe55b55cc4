import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { ensureDatabaseExists } from '@portcullis/db';

export interface Say {
  (line: string): void;
}

/**
 * Makes sure a NATS server answers at `url`. If nothing answers at a local address and
 * nats-server is installed, starts one (stopped with the stack): with `configFile` (the gateway's
 * own server with its identities, see nats-identities.ts), or else a plain `nats-server -js`.
 */
export async function ensureNats(url: string, dataDir: string, say: Say, configFile?: string, logFile?: string): Promise<ChildProcess | undefined> {
  if (await natsAnswers(url)) return undefined;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost'].includes(parsed.hostname);
  if (!local || !hasCommand('nats-server')) {
    throw new Error(`NATS is not reachable at ${parsed.host}. Start nats-server with JetStream (nats-server -js) or set NATS_URL.`);
  }
  mkdirSync(dataDir, { recursive: true });
  const host = parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname;
  const args = [...(configFile ? ['-c', configFile] : ['-js', '-a', host, '-p', parsed.port || '4222', '-sd', dataDir]), ...(logFile ? ['-l', logFile] : [])];
  say(configFile ? `starting nats-server on ${parsed.host} with per-service identities (${configFile})` : `starting nats-server -js on ${parsed.host} (data in ${dataDir})`);
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 100 && !exited; i++) {
    if (await natsAnswers(url)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`nats-server did not come up on ${parsed.host} within 5 s${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
}

/** Whether a NATS server greets a connection at `url` (its INFO line; no credentials needed). */
function natsAnswers(url: string): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: parsed.hostname, port: Number(parsed.port || 4222) });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('INFO ')));
  });
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
