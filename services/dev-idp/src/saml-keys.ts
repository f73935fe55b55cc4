import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SamlSigningPair {
  /** PEM RSA-2048 private key, mode 0600. */
  readonly keyFile: string;
  /** PEM self-signed X.509 certificate for that key (CN=portcullis-dev-idp-saml, one year). */
  readonly certificateFile: string;
}

const KEY_FILE = 'saml-signing.key.pem';
const CERTIFICATE_FILE = 'saml-signing.cert.pem';

/**
 * Makes sure `dir` holds a SAML signing key and its certificate, creating them with the
 * `openssl` CLI when either is missing (both are then replaced: a key without its certificate
 * is of no use). For local stacks and test harnesses; never for a real deployment.
 *
 * Each file is written under a temporary name and renamed into place, certificate first, so a
 * reader that finds the key also finds its certificate.
 */
export async function generateSamlSigningPair(dir: string): Promise<SamlSigningPair> {
  const pair = { keyFile: join(dir, KEY_FILE), certificateFile: join(dir, CERTIFICATE_FILE) };
  if ((await exists(pair.keyFile)) && (await exists(pair.certificateFile))) return pair;

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const tmpKey = pair.keyFile + suffix;
  const tmpCertificate = pair.certificateFile + suffix;
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '365',
      '-subj', '/CN=portcullis-dev-idp-saml',
      '-keyout', tmpKey, '-out', tmpCertificate,
    ]);
    await chmod(tmpKey, 0o600);
    await rename(tmpCertificate, pair.certificateFile);
    await rename(tmpKey, pair.keyFile);
  } finally {
    await rm(tmpKey, { force: true });
    await rm(tmpCertificate, { force: true });
  }
  return pair;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
