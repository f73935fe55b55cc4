import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files made by makeTestCertificates. The keys are mode 0600. */
export interface TestCertificates {
  /** The CA certificate clients trust (`ssl: { ca }`). */
  readonly caFile: string;
  /** A server certificate for the hosts, signed by the CA. */
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * A throwaway CA and a server certificate signed by it, with every host as a subject alternative
 * name (DNS or IP), valid for two days, made with the `openssl` CLI in `dir`. P-256 keys: fast to
 * make, and PostgreSQL and Node accept them. The CA's key stays in `dir` too (ca.key).
 */
export async function makeTestCertificates(dir: string, hosts: readonly string[] = ['localhost', '127.0.0.1']): Promise<TestCertificates> {
  if (hosts.length === 0) throw new Error('makeTestCertificates needs at least one host');
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  // Extensions given on the command line, so the system's openssl.cnf cannot change the outcome.
  await openssl(['req', '-x509', ...newKey, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=Portcullis test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-new', ...newKey, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${hosts[0]}`]);
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  writeFileSync(file('server.ext'), `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  await openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('server.ext')]);
  for (const leftover of ['server.csr', 'server.ext', 'ca.srl']) rmSync(file(leftover), { force: true });
  for (const key of ['ca.key', 'server.key']) chmodSync(file(key), 0o600);
  return { caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const { code, stderr } = err as { code?: string | number; stderr?: string };
    if (code === 'ENOENT') throw new Error('openssl is not on PATH (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${(stderr ?? String(err)).trim()}`);
  }
}
