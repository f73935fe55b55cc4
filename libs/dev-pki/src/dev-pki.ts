import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PEERS, peerFromSubjectAltName, peerUri, type Peer, type TlsMaterial } from '@portcullis/service-kit';

const run = promisify(execFile);

/** A peer's certificate (PEM, signed by the dev CA) and its private key (PEM, mode 0600). */
export interface PeerFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The dev PKI in a directory: `ca.pem` (+ `ca.key`), and `<peer>.pem` / `<peer>.key` for every peer. */
export interface DevPki {
  readonly dir: string;
  readonly caFile: string;
  files(peer: Peer): PeerFiles;
  /** The variables a service (or the CLI) reads its mutual TLS material from. */
  env(peer: Peer): { PORTCULLIS_TLS_CA: string; PORTCULLIS_TLS_CERT: string; PORTCULLIS_TLS_KEY: string };
  /** The peer's material, read (for a client or server built in-process). */
  material(peer: Peer): TlsMaterial;
}

const VALID_DAYS = 365;
/** Files expiring sooner than this are made again. */
const RENEW_BEFORE_MS = 7 * 24 * 3_600_000;
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Makes sure `dir` holds a development CA and a certificate for every peer (PEERS), reusing what is
 * there and still good: a CA is kept while it is current and matches its key; a peer's
 * certificate while it is current, issued by that CA, matches its key and names the peer. A new
 * CA means new certificates for everyone. ECDSA P-256, made with the `openssl` CLI; each leaf has
 * CN = the peer, the URI SAN `spiffe://portcullis/<peer>` (its identity), and DNS:<peer>,
 * DNS:localhost, IP:127.0.0.1 (the names it is dialled by locally and under compose), and may act
 * as TLS server and client. Files are written under temporary names and renamed into place,
 * certificate last, so a reader finding a certificate finds its key. Never for production.
 */
export async function ensureDevPki(dir: string, now: Date = new Date()): Promise<DevPki> {
  const pki = layout(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = (file: string) => `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const ca = { certFile: pki.caFile, keyFile: join(dir, 'ca.key') };
  let caCert = await usable(ca, now);
  if (!caCert) {
    const [key, cert] = [tmp(ca.keyFile), tmp(ca.certFile)];
    try {
      await openssl(['req', '-x509', ...EC_KEY, '-keyout', key, '-out', cert, '-days', String(VALID_DAYS), '-subj', '/CN=Portcullis development CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      await chmod(key, 0o600);
      await rename(key, ca.keyFile);
      await rename(cert, ca.certFile);
    } finally {
      await Promise.all([key, cert].map((f) => rm(f, { force: true })));
    }
    caCert = new X509Certificate(await readFile(ca.certFile));
  }
  for (const peer of PEERS) {
    const files = pki.files(peer);
    const existing = await usable(files, now);
    if (existing && existing.checkIssued(caCert) && existing.verify(caCert.publicKey) && peerFromSubjectAltName(existing.subjectAltName) === peer) continue;
    const [key, csr, ext, cert] = [tmp(files.keyFile), tmp(`${files.certFile}.csr`), tmp(`${files.certFile}.ext`), tmp(files.certFile)];
    try {
      await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${peer}`]);
      // Extensions from this file only, so the system's openssl.cnf cannot change the outcome.
      await writeFile(ext, `subjectAltName=URI:${peerUri(peer)},DNS:${peer},DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`);
      await openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(VALID_DAYS), '-extfile', ext, '-out', cert]);
      await chmod(key, 0o600);
      await rename(key, files.keyFile);
      await rename(cert, files.certFile);
    } finally {
      await Promise.all([key, csr, ext, cert].map((f) => rm(f, { force: true })));
    }
  }
  return pki;
}

function layout(dir: string): DevPki {
  const caFile = join(dir, 'ca.pem');
  const files = (peer: Peer): PeerFiles => ({ certFile: join(dir, `${peer}.pem`), keyFile: join(dir, `${peer}.key`) });
  return Object.freeze({
    dir,
    caFile,
    files,
    env: (peer: Peer) => ({ PORTCULLIS_TLS_CA: caFile, PORTCULLIS_TLS_CERT: files(peer).certFile, PORTCULLIS_TLS_KEY: files(peer).keyFile }),
    material: (peer: Peer) => ({ ca: readFileSync(caFile), cert: readFileSync(files(peer).certFile), key: readFileSync(files(peer).keyFile) }),
  });
}

/** The certificate, if both files are readable, belong together and it is current for another week. */
async function usable(files: PeerFiles, now: Date): Promise<X509Certificate | undefined> {
  try {
    const cert = new X509Certificate(await readFile(files.certFile));
    if (!cert.checkPrivateKey(createPrivateKey(await readFile(files.keyFile)))) return undefined;
    if (new Date(cert.validFrom) > now || new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return undefined;
    return cert;
  } catch {
    return undefined;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const { code, stderr } = err as { code?: string | number; stderr?: string };
    if (code === 'ENOENT') throw new Error('openssl is not on PATH (Debian: apt-get install openssl); it makes the development certificates');
    throw new Error(`openssl ${args[0]} failed: ${(stderr ?? String(err)).trim()}`);
  }
}
