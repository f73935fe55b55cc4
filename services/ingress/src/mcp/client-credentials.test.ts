import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientCredentialsTokenSource, type ClientCredentials, type TokenSourceError } from './client-credentials.js';

const SECRET = 'p@ss word+/:secret';
const CREDENTIALS: ClientCredentials = { tokenUrl: 'https://idp.example/oauth/token', clientId: 'gate:way', clientSecret: SECRET };

interface Sent {
  readonly url: string;
  readonly init: RequestInit;
  readonly form: URLSearchParams;
}

/** A token endpoint that answers from a script, one entry per request; records what it was sent. */
function endpoint(...answers: (Response | Error | 'hang' | 'deaf')[]) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(input), init: init!, form: new URLSearchParams(String(init!.body)) });
    const answer = answers.shift() ?? new Error('no more answers scripted');
    if (answer === 'deaf') return new Promise<Response>(() => undefined); // ignores its signal
    if (answer === 'hang') {
      return new Promise<Response>((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)));
    }
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return { fetch, sent };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const bearer = (token: string, expiresIn: unknown = 300) => json({ access_token: token, token_type: 'Bearer', expires_in: expiresIn });

function source(fetch: typeof globalThis.fetch, credentials: ClientCredentials = CREDENTIALS, timeoutMs?: number) {
  const clock = { t: 1_700_000_000_000 };
  const tokens = new ClientCredentialsTokenSource(credentials, { now: () => clock.t, fetch, ...(timeoutMs ? { timeoutMs } : {}) });
  return { tokens, clock };
}

async function failure(promise: Promise<unknown>): Promise<TokenSourceError> {
  try {
    await promise;
  } catch (err) {
    return err as TokenSourceError;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ClientCredentialsTokenSource: the request', () => {
  it('POSTs grant_type=client_credentials with client_secret_basic, form-encoding id and secret first', async () => {
    const { fetch, sent } = endpoint(bearer('tok-1'));
    const { tokens } = source(fetch);
    expect(await tokens.token()).toBe('tok-1');
    expect(sent).toHaveLength(1);
    const { url, init, form } = sent[0]!;
    expect(url).toBe(CREDENTIALS.tokenUrl);
    expect(init.method).toBe('POST');
    expect(init.redirect).toBe('manual');
    const headers = init.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers.accept).toBe('application/json');
    const [id, secret] = Buffer.from(headers.authorization!.replace(/^Basic /, ''), 'base64').toString().split(':');
    expect(decodeURIComponent(id!)).toBe('gate:way');
    expect(decodeURIComponent(secret!)).toBe(SECRET);
    expect([...form]).toEqual([['grant_type', 'client_credentials']]);
  });

  it('sends scope and resource when they are configured', async () => {
    const { fetch, sent } = endpoint(bearer('tok-1'));
    const { tokens } = source(fetch, { ...CREDENTIALS, scope: 'tools:read tools:call', resource: 'https://mcp.example/mcp' });
    await tokens.token();
    expect(Object.fromEntries(sent[0]!.form)).toEqual({ grant_type: 'client_credentials', scope: 'tools:read tools:call', resource: 'https://mcp.example/mcp' });
  });
});

describe('ClientCredentialsTokenSource: caching', () => {
  it('reuses the token until expires_in minus 10 %, at most 30 s, counted from before the request', async () => {
    const { fetch } = endpoint(bearer('tok-1', 300), bearer('tok-2', 60), bearer('tok-3'));
    const { tokens, clock } = source(fetch);
    const start = clock.t;
    expect(await tokens.token()).toBe('tok-1');
    clock.t = start + 269_999;
    expect(await tokens.token()).toBe('tok-1');
    expect(fetch).toHaveBeenCalledTimes(1);
    clock.t = start + 270_000; // 300 s less 30 s
    expect(await tokens.token()).toBe('tok-2');
    const second = clock.t;
    clock.t = second + 53_999;
    expect(await tokens.token()).toBe('tok-2');
    clock.t = second + 54_000; // 60 s less 10 %
    expect(await tokens.token()).toBe('tok-3');
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('takes a numeric string expires_in, and 60 s when there is none', async () => {
    const { fetch } = endpoint(bearer('tok-1', '120'), json({ access_token: 'tok-2', token_type: 'bearer' }), bearer('tok-3'));
    const { tokens, clock } = source(fetch);
    const start = clock.t;
    await tokens.token();
    clock.t = start + 107_999;
    expect(await tokens.token()).toBe('tok-1');
    clock.t = start + 108_000;
    expect(await tokens.token()).toBe('tok-2');
    clock.t += 53_999;
    expect(await tokens.token()).toBe('tok-2');
    clock.t += 1;
    expect(await tokens.token()).toBe('tok-3');
  });

  it('coalesces concurrent callers into one request', async () => {
    let answer!: (res: Response) => void;
    const fetch = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    const { tokens } = source(fetch);
    const waiting = [tokens.token(), tokens.token(), tokens.token()];
    await Promise.resolve();
    answer(bearer('tok-1'));
    expect(await Promise.all(waiting)).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(await tokens.token()).toBe('tok-1');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('invalidate() drops the token; invalidate(token) only if it is still the cached one', async () => {
    const { fetch } = endpoint(bearer('tok-1'), bearer('tok-2'));
    const { tokens } = source(fetch);
    expect(await tokens.token()).toBe('tok-1');
    tokens.invalidate();
    expect(await tokens.token()).toBe('tok-2');
    tokens.invalidate('tok-1'); // a late 401 for the old token
    expect(await tokens.token()).toBe('tok-2');
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});

describe('ClientCredentialsTokenSource: refusals and bad responses', () => {
  it('an error status names the URL, the status and a standard error code, never the secret or the IdP text', async () => {
    const { fetch } = endpoint(json({ error: 'invalid_client', error_description: `client secret ${SECRET} is wrong` }, 401));
    const err = await failure(source(fetch).tokens.token());
    expect(err.code).toBe('TOKEN_REQUEST_REFUSED');
    expect(err.message).toBe('token endpoint https://idp.example/oauth/token answered HTTP 401 (invalid_client)');
  });

  it('quotes no error code it does not know, and refuses a redirect', async () => {
    const { fetch } = endpoint(json({ error: `leak ${SECRET}` }, 400), new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }));
    const { tokens, clock } = source(fetch);
    expect((await failure(tokens.token())).message).toBe('token endpoint https://idp.example/oauth/token answered HTTP 400');
    clock.t += 60_000;
    const err = await failure(tokens.token());
    expect(err.code).toBe('TOKEN_REQUEST_REFUSED');
    expect(err.message).toContain('HTTP 302');
  });

  it.each([
    ['not JSON', new Response('<html>login</html>', { status: 200 }), 'something other than a JSON token response'],
    ['a JSON array', json([{ access_token: 'tok-secret' }]), 'something other than a JSON token response'],
    ['no access_token', json({ token_type: 'Bearer', expires_in: 300 }), 'no usable access_token'],
    ['an empty access_token', json({ access_token: '', token_type: 'Bearer' }), 'no usable access_token'],
    ['an access_token that would break a header', json({ access_token: 'tok\r\nx-injected: 1', token_type: 'Bearer' }), 'no usable access_token'],
    ['no token_type', json({ access_token: 'tok-secret', expires_in: 300 }), 'a token_type other than Bearer'],
    ['token_type DPoP', json({ access_token: 'tok-secret', token_type: 'DPoP', expires_in: 300 }), 'a token_type other than Bearer'],
    ['a negative expires_in', json({ access_token: 'tok-secret', token_type: 'Bearer', expires_in: -5 }), 'an expires_in that is not a positive number'],
    ['a non-numeric expires_in', json({ access_token: 'tok-secret', token_type: 'Bearer', expires_in: 'soon' }), 'an expires_in that is not a positive number'],
  ])('refuses a 200 with %s, without quoting the token', async (_what, response, why) => {
    const { fetch } = endpoint(response);
    const err = await failure(source(fetch).tokens.token());
    expect(err.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(err.message).toBe(`token endpoint https://idp.example/oauth/token answered HTTP 200 with ${why}`);
    expect(err.message).not.toMatch(/tok-secret|tok\r/);
  });

  it('names the token URL without user info or query', async () => {
    const { fetch } = endpoint(json({ error: 'invalid_client' }, 401));
    const err = await failure(source(fetch, { ...CREDENTIALS, tokenUrl: 'https://user:pw@idp.example/token?key=k1' }).tokens.token());
    expect(err.message).toBe('token endpoint https://idp.example/token answered HTTP 401 (invalid_client)');
  });

  it('an unreachable endpoint is reported with the system error code', async () => {
    const { fetch } = endpoint(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
    const err = await failure(source(fetch).tokens.token());
    expect(err.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
    expect(err.message).toBe('token request to https://idp.example/oauth/token failed (ECONNREFUSED)');
  });
});

describe('ClientCredentialsTokenSource: timeouts, backoff, cancellation', () => {
  it('times out after 10 s by default, aborting the request', async () => {
    vi.useFakeTimers();
    const { fetch, sent } = endpoint('hang');
    const pending = failure(source(fetch).tokens.token());
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sent[0]!.init.signal!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await pending;
    expect(err.code).toBe('TOKEN_ENDPOINT_TIMEOUT');
    expect(err.message).toBe('token request to https://idp.example/oauth/token timed out after 10000 ms');
    expect(sent[0]!.init.signal!.aborted).toBe(true);
  });

  it('times out at the configured limit even when fetch ignores its signal', async () => {
    vi.useFakeTimers();
    const { fetch } = endpoint('deaf');
    const pending = failure(source(fetch, CREDENTIALS, 250).tokens.token());
    await vi.advanceTimersByTimeAsync(250);
    expect((await pending).code).toBe('TOKEN_ENDPOINT_TIMEOUT');
  });

  it('after a failure answers from it for 1 s, then 2 s, without asking the IdP; a success resets that', async () => {
    const down = () => json({ error: 'temporarily_unavailable' }, 503);
    const { fetch } = endpoint(down(), down(), bearer('tok-1', 1), down(), bearer('tok-2'));
    const { tokens, clock } = source(fetch);
    expect((await failure(tokens.token())).code).toBe('TOKEN_REQUEST_REFUSED');
    const held = await failure(tokens.token());
    expect(held.code).toBe('TOKEN_REQUEST_REFUSED');
    expect(held.message).toBe('token endpoint https://idp.example/oauth/token answered HTTP 503 (temporarily_unavailable); next attempt in 1 s');
    expect(fetch).toHaveBeenCalledTimes(1);
    clock.t += 1_000;
    await failure(tokens.token()); // second failure: 2 s now
    expect(fetch).toHaveBeenCalledTimes(2);
    clock.t += 1_999;
    expect((await failure(tokens.token())).message).toMatch(/next attempt in 1 s$/);
    expect(fetch).toHaveBeenCalledTimes(2);
    clock.t += 1;
    expect(await tokens.token()).toBe('tok-1');
    clock.t += 1_000; // tok-1 is due for renewal; the next failure backs off 1 s again
    await failure(tokens.token());
    clock.t += 1_000;
    expect(await tokens.token()).toBe('tok-2');
  });

  it('never hands out a token past its renewal time, even while the IdP fails', async () => {
    const { fetch } = endpoint(bearer('tok-1', 300), json({ error: 'server_error' }, 500));
    const { tokens, clock } = source(fetch);
    expect(await tokens.token()).toBe('tok-1');
    clock.t += 270_000;
    expect((await failure(tokens.token())).code).toBe('TOKEN_REQUEST_REFUSED');
    expect((await failure(tokens.token())).code).toBe('TOKEN_REQUEST_REFUSED');
  });

  it("a caller's signal ends its own wait, not the request others share, and is not a failure", async () => {
    let answer!: (res: Response) => void;
    const fetch = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    const { tokens } = source(fetch);
    const impatient = new AbortController();
    const gaveUp = failure(tokens.token(impatient.signal));
    const patient = tokens.token();
    impatient.abort();
    expect((await gaveUp).code).toBe('TOKEN_REQUEST_CANCELLED');
    answer(bearer('tok-1'));
    expect(await patient).toBe('tok-1');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const { fetch } = endpoint(bearer('tok-1'));
    expect((await failure(source(fetch).tokens.token(AbortSignal.abort()))).code).toBe('TOKEN_REQUEST_CANCELLED');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('a request every caller gave up on still fills the cache, and its failure is no unhandled rejection', async () => {
    const { fetch } = endpoint(bearer('tok-1'));
    const { tokens } = source(fetch);
    const controller = new AbortController();
    const gaveUp = failure(tokens.token(controller.signal));
    controller.abort();
    await gaveUp;
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(await tokens.token()).toBe('tok-1');
    expect(fetch).toHaveBeenCalledTimes(1);

    const failing = endpoint(json({ error: 'server_error' }, 500));
    const other = source(failing.fetch).tokens;
    const c2 = new AbortController();
    const p = failure(other.token(c2.signal));
    c2.abort();
    expect((await p).code).toBe('TOKEN_REQUEST_CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await failure(other.token())).message).toMatch(/HTTP 500 \(server_error\); next attempt in 1 s$/);
  });
});
