import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { EnvError, type EnvVar } from './env.js';

/**
 * Who may hold a certificate of the deployment's internal CA: the services and the CLI. The one
 * list: the dev PKI issues one certificate per entry, the per-method caller tables name them.
 */
export const PEERS = ['identity', 'policy', 'approvals', 'masking', 'audit', 'ingress', 'cli'] as const;
export type Peer = (typeof PEERS)[number];

/** A peer is named by exactly one URI subject alternative name, `spiffe://portcullis/<peer>`. */
export const PEER_URI_PREFIX = 'spiffe://portcullis/';
export const peerUri = (peer: Peer): string => `${PEER_URI_PREFIX}${peer}`;

const KNOWN_PEERS: ReadonlySet<string> = new Set(PEERS);

/**
 * The peer a certificate names, from its subjectAltName as Node renders it
 * (`DNS:localhost, IP Address:127.0.0.1, URI:spiffe://portcullis/ingress`). Undefined unless
 * exactly one `spiffe://portcullis/…` URI is present and names a known peer: the common name is
 * never read, so a certificate cannot claim an identity by its subject alone.
 */
export function peerFromSubjectAltName(subjectAltName: string | undefined): Peer | undefined {
  const uris = (subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith(`URI:${PEER_URI_PREFIX}`))
    .map((entry) => entry.slice(`URI:${PEER_URI_PREFIX}`.length));
  return uris.length === 1 && KNOWN_PEERS.has(uris[0]!) ? (uris[0] as Peer) : undefined;
}

/** The CA bundle a party trusts, its own certificate chain and its private key (PEM). */
export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A PEM file, read when the environment is read: a missing or unreadable file stops the start. */
export function pemFile(what: 'certificate' | 'private key'): EnvVar<Buffer> {
  const marker = what === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (EC |RSA )?PRIVATE KEY-----/;
  return {
    parse: (path) => {
      let pem: Buffer;
      try {
        pem = readFileSync(path);
      } catch (err) {
        throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (!marker.test(pem.toString('latin1'))) throw new Error(`${path} is not a PEM ${what}`);
      return pem;
    },
  };
}

/**
 * The variables of a service's mutual TLS, without defaults: internal gRPC never falls back to
 * plaintext. `npm start` sets them to the dev PKI in `.portcullis/tls/`.
 */
export const tlsEnv = () =>
  ({
    PORTCULLIS_TLS_CA: pemFile('certificate'),
    PORTCULLIS_TLS_CERT: pemFile('certificate'),
    PORTCULLIS_TLS_KEY: pemFile('private key'),
  }) as const;

/**
 * The material of `tlsEnv`, checked to belong together: the certificate is issued by a CA of the
 * bundle, current, matches the key and names `self`. Every problem at once, as an EnvError.
 */
export function tlsMaterial(vars: { readonly PORTCULLIS_TLS_CA: Buffer; readonly PORTCULLIS_TLS_CERT: Buffer; readonly PORTCULLIS_TLS_KEY: Buffer }, self: Peer, now = new Date()): TlsMaterial {
  const material = { ca: vars.PORTCULLIS_TLS_CA, cert: vars.PORTCULLIS_TLS_CERT, key: vars.PORTCULLIS_TLS_KEY };
  const problems = tlsProblems(material, self, now);
  if (problems.length > 0) throw new EnvError(problems);
  return Object.freeze(material);
}

/** What is wrong with a party's TLS material (empty: nothing). */
export function tlsProblems(material: TlsMaterial, self: Peer, now = new Date()): string[] {
  let cert: X509Certificate;
  let cas: X509Certificate[];
  try {
    cert = new X509Certificate(material.cert);
  } catch (err) {
    return [`PORTCULLIS_TLS_CERT: not a readable X.509 certificate (${(err as Error).message})`];
  }
  try {
    cas = splitPem(material.ca).map((pem) => new X509Certificate(pem));
  } catch (err) {
    return [`PORTCULLIS_TLS_CA: not a readable X.509 certificate bundle (${(err as Error).message})`];
  }
  const problems: string[] = [];
  try {
    if (!cert.checkPrivateKey(createPrivateKey(material.key))) problems.push('PORTCULLIS_TLS_KEY: is not the key of PORTCULLIS_TLS_CERT');
  } catch (err) {
    problems.push(`PORTCULLIS_TLS_KEY: not a readable private key (${(err as Error).message})`);
  }
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) problems.push('PORTCULLIS_TLS_CERT: is not issued by a CA in PORTCULLIS_TLS_CA');
  if (!(new Date(cert.validFrom) <= now && now < new Date(cert.validTo))) problems.push(`PORTCULLIS_TLS_CERT: not valid now (valid ${cert.validFrom} to ${cert.validTo})`);
  const named = peerFromSubjectAltName(cert.subjectAltName);
  if (named !== self) problems.push(`PORTCULLIS_TLS_CERT: must name this service with the URI ${peerUri(self)} (it names ${named ?? 'no Portcullis peer'})`);
  return problems;
}

function splitPem(bundle: Buffer): string[] {
  return bundle.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** A gRPC server that accepts only clients presenting a certificate the CA issued. */
export function serverCredentials(tls: TlsMaterial): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

/**
 * Channel credentials for calling `server`: TLS with this party's certificate, the server's chain
 * verified against the CA and its certificate naming `server` (its URI SAN). The identity is what
 * is checked, not the address dialled (an IP on loopback, a compose or cluster name elsewhere), so
 * a reachable but different service cannot answer in its place. Use with `tlsChannelOptions`.
 */
export function clientCredentials(tls: TlsMaterial, server: Peer): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert, {
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const named = peerFromSubjectAltName(cert.subjectaltname);
      return named === server ? undefined : new Error(`the server is ${named ?? 'not a Portcullis service'}, not ${server}`);
    },
  });
}

/**
 * Channel options that go with `clientCredentials`: the TLS server name is the service's name, not
 * the dialled host (grpc-js would send an IP address as SNI, which RFC 6066 forbids and Node warns
 * about on every process).
 */
export const tlsChannelOptions = (server: Peer) => Object.freeze({ 'grpc.ssl_target_name_override': server });

/** The peer a gRPC call came from, by the verified client certificate of its TLS connection. */
export function callerOf(call: { getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } | null }): Peer | undefined {
  const context = call.getAuthContext();
  if (context?.transportSecurityType !== 'ssl') return undefined;
  return peerFromSubjectAltName(context.sslPeerCertificate?.subjectaltname);
}
