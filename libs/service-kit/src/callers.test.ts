import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorizeCaller } from './callers.js';
import { readEnv } from './env.js';
import { peerFromSubjectAltName, tlsEnv } from './tls.js';

describe('authorizeCaller', () => {
  it('lets a named peer call, and any peer call an any-peer method', () => {
    expect(authorizeCaller('ApprovalsService/CreateHold', ['ingress'], 'ingress')).toEqual({ ok: true, caller: 'ingress' });
    expect(authorizeCaller('AuditService/ListEvents', 'any-peer', 'cli')).toEqual({ ok: true, caller: 'cli' });
  });

  it('refuses another peer, naming the method, who may call it and who called', () => {
    expect(authorizeCaller('ApprovalsService/CreateHold', ['ingress'], 'policy')).toEqual({ ok: false, code: 'CALLER_NOT_ALLOWED', message: 'ApprovalsService/CreateHold may be called only by ingress, not by policy' });
    expect(authorizeCaller('IdentityService/Verify', ['ingress', 'audit'], 'cli')).toMatchObject({ message: 'IdentityService/Verify may be called only by ingress or audit, not by cli' });
  });

  it('refuses a caller without an identity, even for an any-peer method', () => {
    expect(authorizeCaller('AuditService/ListEvents', 'any-peer', undefined)).toEqual({ ok: false, code: 'CALLER_UNIDENTIFIED', message: 'AuditService/ListEvents needs a client certificate naming a Portcullis service' });
  });
});

describe('peerFromSubjectAltName', () => {
  it('reads the one spiffe://portcullis/<peer> URI, as Node renders subjectAltName', () => {
    expect(peerFromSubjectAltName('URI:spiffe://portcullis/ingress, DNS:ingress, DNS:localhost, IP Address:127.0.0.1')).toBe('ingress');
  });

  it.each([
    ['no SAN', undefined],
    ['a common name only', 'DNS:ingress'],
    ['an unknown peer', 'URI:spiffe://portcullis/slack-bot'],
    ['a path below a peer', 'URI:spiffe://portcullis/ingress/x'],
    ['another trust domain', 'URI:spiffe://elsewhere/ingress'],
    ['two identities', 'URI:spiffe://portcullis/ingress, URI:spiffe://portcullis/cli'],
    ['a DNS name that looks like one', 'DNS:spiffe://portcullis/ingress'],
  ])('names nobody for %s', (_, san) => {
    expect(peerFromSubjectAltName(san)).toBeUndefined();
  });
});

describe('tlsEnv', () => {
  it('requires all three files, with no plaintext default, and reports every problem at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-tls-env-'));
    writeFileSync(join(dir, 'key.pem'), 'hello');
    expect(() => readEnv({ PORTCULLIS_TLS_CERT: join(dir, 'missing.pem'), PORTCULLIS_TLS_KEY: join(dir, 'key.pem') }, tlsEnv())).toThrow(
      new RegExp(`PORTCULLIS_TLS_CA is required\\n  - PORTCULLIS_TLS_CERT: cannot read ${dir}/missing.pem: ENOENT\\n  - PORTCULLIS_TLS_KEY: ${dir}/key.pem is not a PEM private key`),
    );
  });
});
