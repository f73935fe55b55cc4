import { describe, expect, it } from 'vitest';
import { authenticateClient } from './client-auth.js';
import type { ResolvedClient } from './provider.js';

const CLIENT: ResolvedClient = {
  clientId: 'demo agent',
  clientSecret: 'p:ss+word%',
  groups: [],
  audience: 'portcullis',
  tokenTtlSeconds: 60,
  resource: 'urn:x',
};
const CLIENTS = new Map([[CLIENT.clientId, CLIENT]]);

const basicOf = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;
const encoded = (id: string, secret: string) => basicOf(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`);

describe('authenticateClient', () => {
  it('accepts form-urlencoded Basic credentials (+ is a space) and client_secret_post', () => {
    expect(authenticateClient({ authorization: encoded(CLIENT.clientId, CLIENT.clientSecret), form: undefined }, CLIENTS)).toEqual({ ok: true, value: CLIENT });
    expect(authenticateClient({ authorization: basicOf('demo+agent:p%3Ass%2Bword%25'), form: undefined }, CLIENTS).ok).toBe(true);
    const form = new URLSearchParams({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(authenticateClient({ authorization: undefined, form }, CLIENTS).ok).toBe(true);
  });

  it('refuses anything that does not prove the credentials with invalid_client', () => {
    const refused = [
      { authorization: encoded(CLIENT.clientId, 'wrong'), form: undefined },
      { authorization: encoded('nobody', CLIENT.clientSecret), form: undefined },
      { authorization: encoded(CLIENT.clientId, ''), form: undefined },
      { authorization: basicOf('no-colon'), form: undefined },
      { authorization: basicOf('%E0%A4%A:x'), form: undefined },
      { authorization: 'Bearer abc', form: undefined },
      { authorization: undefined, form: new URLSearchParams({ client_id: CLIENT.clientId }) },
      { authorization: undefined, form: undefined },
    ];
    for (const presented of refused) {
      expect(authenticateClient(presented, CLIENTS)).toMatchObject({ ok: false, code: 'invalid_client' });
    }
  });

  it('refuses two mechanisms, repeated fields and a mismatched client_id as invalid_request', () => {
    const authorization = encoded(CLIENT.clientId, CLIENT.clientSecret);
    const cases = [
      { authorization, form: new URLSearchParams({ client_secret: CLIENT.clientSecret }) },
      { authorization, form: new URLSearchParams({ client_id: 'other' }) },
      { authorization: undefined, form: new URLSearchParams([['client_id', 'a'], ['client_id', 'b'], ['client_secret', 'x']]) },
    ];
    for (const presented of cases) {
      expect(authenticateClient(presented, CLIENTS)).toMatchObject({ ok: false, code: 'invalid_request' });
    }
  });
});
