import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dropRootTo, type OsAccount } from './os-account.js';

const run = promisify(execFile);

export interface PrivatePostgresOptions {
  /** How clients authenticate, on 127.0.0.1 and on the socket. Default scram-sha-256. */
  readonly auth?: 'scram-sha-256' | 'trust';
  /** The `postgres` superuser's password. Default: a random one (it is in `url`). */
  readonly superuserPassword?: string;
  /** Serve TLS with this certificate and key (copied into the cluster's directory, readable by its owner only). */
  readonly ssl?: { readonly certFile: string; readonly keyFile: string };
}

/** A PostgreSQL cluster of its own: its own data directory, port and settings. */
export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly dataDir: string;
  /** Stops the server at once (`pg_ctl -m immediate`) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A throwaway cluster for tests that need what the shared server cannot give them: password
 * authentication, TLS, settings of their own. initdb into a temporary directory, then `pg_ctl -w
 * start` on a free port of 127.0.0.1 with the socket in that directory. Durability is off (fsync,
 * full_page_writes, synchronous_commit): a start takes about a second. initdb refuses to run as
 * root, so as root the cluster belongs to the `postgres` account.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = serverBinDir();
  const owner = dropRootTo('postgres');
  const auth = options.auth ?? 'scram-sha-256';
  const password = options.superuserPassword ?? randomBytes(18).toString('base64url');
  const root = mkdtempSync(join(tmpdir(), 'portcullis-pg-'));
  const dataDir = join(root, 'data');
  const own = (path: string) => {
    if (owner) chownSync(path, owner.uid, owner.gid);
  };
  own(root);
  try {
    const pwfile = join(root, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    own(pwfile);
    await as(owner, root, join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', `--pwfile=${pwfile}`, `--auth=${auth}`, '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    rmSync(pwfile);
    writeFileSync(join(dataDir, 'pg_hba.conf'), `# written by startPrivatePostgres\nlocal all all ${auth}\nhost all all 127.0.0.1/32 ${auth}\n`);
    appendFileSync(join(dataDir, 'postgresql.conf'), settings(root, options.ssl && copyCertificate(root, options.ssl, own)));
    const port = await startOnFreePort(bin, owner, root, dataDir);
    const stopSync = () => stopCluster(bin, owner, root, dataDir);
    // A test process that dies without stop() must not leave its cluster running.
    process.once('exit', stopSync);
    return {
      port,
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
      dataDir,
      stop: async () => {
        process.removeListener('exit', stopSync);
        stopSync();
      },
    };
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

function settings(root: string, ssl: { cert: string; key: string } | undefined): string {
  return `
# startPrivatePostgres: a test cluster, fast rather than durable
listen_addresses = '127.0.0.1'
unix_socket_directories = '${root}'
fsync = off
full_page_writes = off
synchronous_commit = off
shared_buffers = 32MB
${ssl ? `ssl = on\nssl_cert_file = '${ssl.cert}'\nssl_key_file = '${ssl.key}'\n` : ''}`;
}

/** PostgreSQL reads the key only if its owner (and no one else) may; a copy makes that so. */
function copyCertificate(root: string, ssl: { certFile: string; keyFile: string }, own: (path: string) => void): { cert: string; key: string } {
  const cert = join(root, 'server.crt');
  const key = join(root, 'server.key');
  copyFileSync(ssl.certFile, cert);
  copyFileSync(ssl.keyFile, key);
  chmodSync(key, 0o600);
  for (const path of [cert, key]) own(path);
  return { cert, key };
}

/** Another process may take the port between choosing and binding it: then choose again. */
async function startOnFreePort(bin: string, owner: OsAccount | undefined, root: string, dataDir: string): Promise<number> {
  const log = join(root, 'server.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await as(owner, root, join(bin, 'pg_ctl'), ['-D', dataDir, '-l', log, '-o', `-p ${port}`, '-w', '-t', '30', '-s', 'start']);
      return port;
    } catch (err) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (attempt < 3 && /could not bind|Address already in use/.test(text)) continue;
      throw new Error(`${(err as Error).message}\nserver log (${log}):\n${text.split('\n').slice(-15).join('\n')}`);
    }
  }
}

/** Synchronous, so the process's exit hook can run it too. */
function stopCluster(bin: string, owner: OsAccount | undefined, root: string, dataDir: string): void {
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    spawnSync(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', '-s', 'stop'], { cwd: root, stdio: 'ignore', timeout: 30_000, ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });
  }
  rmSync(root, { recursive: true, force: true });
}

async function as(owner: OsAccount | undefined, cwd: string, command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { cwd, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' }, timeout: 60_000, ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });
  } catch (err) {
    const { stderr, stdout } = err as { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args[args.length - 1]} failed: ${(stderr || stdout || (err as Error).message).trim()}`);
  }
}

/**
 * Where initdb and pg_ctl are: `pg_config --bindir`, else the newest /usr/lib/postgresql/<v>/bin
 * (Debian keeps them off PATH).
 */
function serverBinDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config on PATH: look where Debian puts the server
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found via pg_config --bindir or in /usr/lib/postgresql/*/bin; Debian: apt-get install postgresql');
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
