import { describe, expect, it } from 'vitest';
import { credentialFromAuthorization, credentialFromPassword } from './credential.js';

describe('credentials as callers present them', () => {
  it('reads Bearer and SAML authorization schemes, case-insensitively, and nothing else', () => {
    expect(credentialFromAuthorization('Bearer a.b.c')).toEqual({ type: 'jwt', value: 'a.b.c' });
    expect(credentialFromAuthorization('bearer a.b.c ')).toEqual({ type: 'jwt', value: 'a.b.c' });
    expect(credentialFromAuthorization('SAML PHNhbWw+')).toEqual({ type: 'saml', value: 'PHNhbWw+' });
    expect(credentialFromAuthorization('saml PHNhbWw+')).toEqual({ type: 'saml', value: 'PHNhbWw+' });
    for (const header of [undefined, '', 'Basic dXNlcjpwdw==', 'Bearer', 'Bearer a b', 'Token a.b.c']) expect(credentialFromAuthorization(header)).toBeUndefined();
  });

  it('tells a SAML assertion from a JWT in a PostgreSQL password by its content', () => {
    const assertion = Buffer.from('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1"/>').toString('base64');
    expect(credentialFromPassword(assertion).type).toBe('saml');
    expect(credentialFromPassword(Buffer.from('<?xml version="1.0"?><a/>').toString('base64')).type).toBe('saml');
    for (const password of ['eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'not-a-token', 'abc', Buffer.from('not xml at all, just text').toString('base64')]) {
      expect(credentialFromPassword(password).type).toBe('jwt');
    }
  });
});
