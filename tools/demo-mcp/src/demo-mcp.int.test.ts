import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoMcpServer, type DemoMcpServer } from './index.js';

// Real clients against the real server: the v1 SDK client speaks 2025-11-25 (stateful sessions),
// the v2 client pinned to 2026-07-28 speaks the stateless revision.
const TOKEN = 'demo-token-for-tests';
const TOOLS = ['echo', 'list_customers', 'issue_refund', 'run_shell', 'slow_report', 'confirm_action', 'get_logo', 'notify_me'];
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
type Answer = { action: 'accept'; content: { confirm: boolean } } | { action: 'decline' };

let server: DemoMcpServer;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  server = await startDemoMcpServer({ port: 0, token: TOKEN });
});
afterAll(async () => {
  await Promise.allSettled(opened.map((c) => c.close()));
  await server.close();
});

async function legacyClient(url = server.url, answer: Answer = { action: 'accept', content: { confirm: true } }, token = TOKEN) {
  const client = new LegacyClient({ name: 'v1-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, () => answer);
  const transport = new LegacyTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  opened.push(client);
  return { client, transport };
}

async function modernClient(url = server.url, answer: Answer = { action: 'accept', content: { confirm: true } }) {
  const client = new ModernClient({ name: 'v2-test', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  client.setRequestHandler('elicitation/create', () => answer);
  const transport = new ModernTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } });
  await client.connect(transport);
  opened.push(client);
  return { client, transport };
}

function post(body: unknown, headers: Record<string, string> = {}, url = server.url) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
}

interface SseEvent {
  readonly id?: string;
  readonly data: string;
}

/** Reads SSE events until `until` says stop, then lets the connection go. */
async function readEvents(response: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const id = lines.find((l) => l.startsWith('id:'))?.slice(3).trim();
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      if (id !== undefined || data !== '') events.push({ ...(id !== undefined && { id }), data });
    }
  }
  await reader.cancel();
  return events;
}

const firstText = (result: unknown) => ((result as { content: Array<{ type: string; text?: string }> }).content[0] as { text: string }).text;

describe('2025-11-25 with the v1 SDK client (stateful)', () => {
  it('gets a session id at initialize and lists every tool', async () => {
    const { client, transport } = await legacyClient();
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.getServerVersion()?.name).toBe('portcullis-demo-mcp');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOLS);
  });

  it('calls echo, list_customers (structured content), issue_refund and run_shell', async () => {
    const { client } = await legacyClient();
    expect(firstText(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe('hello');
    const listed = await client.callTool({ name: 'list_customers', arguments: { limit: 2 } });
    expect(firstText(listed)).toContain('ada@example.com');
    expect(listed.structuredContent).toEqual({
      customers: [
        { id: 'cus_1001', name: 'Ada Lovelace', email: 'ada@example.com', card: '4111 1111 1111 1111' },
        { id: 'cus_1002', name: 'Alan Turing', email: 'alan.turing@example.org', card: '5555555555554444' },
      ],
    });
    expect(firstText(await client.callTool({ name: 'issue_refund', arguments: { customerId: 'cus_1001', amount: 12.5 } }))).toBe('refunded 12.50 to cus_1001 (Ada Lovelace)');
    expect(firstText(await client.callTool({ name: 'run_shell', arguments: { command: 'id' } }))).toBe('refused by demo server');
  });

  it('reports progress of slow_report', async () => {
    const { client } = await legacyClient();
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow_report', arguments: { steps: 4, delayMs: 5 } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(firstText(result)).toBe('report ready after 4 steps');
  });

  it('stops slow_report when the call is cancelled, and the session goes on', async () => {
    const { client } = await legacyClient();
    // Progress for a cancelled token would reach the client as an error: the server must stop sending.
    const errors: Error[] = [];
    client.onerror = (error) => void errors.push(error);
    const abort = new AbortController();
    let progressed = 0;
    const call = client.callTool({ name: 'slow_report', arguments: { steps: 50, delayMs: 20 } }, undefined, {
      signal: abort.signal,
      onprogress: () => {
        if (++progressed === 2) abort.abort();
      },
    });
    await expect(call).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors).toEqual([]);
    expect(progressed).toBe(2);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('still here');
  });

  it('asks for confirmation with an elicitation request', async () => {
    const { client: yes } = await legacyClient();
    expect(firstText(await yes.callTool({ name: 'confirm_action', arguments: { action: 'wipe the disk' } }))).toBe('confirmed: wipe the disk');
    const { client: no } = await legacyClient(server.url, { action: 'decline' });
    expect(firstText(await no.callTool({ name: 'confirm_action', arguments: { action: 'wipe the disk' } }))).toBe('declined: wipe the disk');
    const { client: unsure } = await legacyClient(server.url, { action: 'accept', content: { confirm: false } });
    expect(firstText(await unsure.callTool({ name: 'confirm_action', arguments: { action: 'wipe the disk' } }))).toBe('declined: wipe the disk');
  });

  it('returns an image and an embedded resource from get_logo', async () => {
    const { client } = await legacyClient();
    const { content } = (await client.callTool({ name: 'get_logo', arguments: {} })) as { content: Array<Record<string, unknown>> };
    expect(content[0]).toMatchObject({ type: 'image', mimeType: 'image/png' });
    expect(Buffer.from(content[0]!.data as string, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(content[1]).toMatchObject({ type: 'resource', resource: { mimeType: 'text/plain', text: expect.stringContaining('brand@example.com') } });
  });

  it('sends a logging notification from notify_me', async () => {
    const { client } = await legacyClient();
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logged.push(n.params));
    expect(firstText(await client.callTool({ name: 'notify_me', arguments: { message: 'ping ada@example.com' } }))).toBe('sent');
    expect(logged).toEqual([{ level: 'info', logger: 'demo-mcp', data: 'ping ada@example.com' }]);
  });

  it('reads the customer resources and the prompt', async () => {
    const { client } = await legacyClient();
    const all = await client.readResource({ uri: 'customers://all' });
    expect(all.contents[0]).toMatchObject({ uri: 'customers://all', mimeType: 'text/plain', text: expect.stringContaining('ada@example.com> card 4111 1111 1111 1111') });
    const one = await client.readResource({ uri: 'customers://cus_1002' });
    expect(one.contents[0]).toMatchObject({ text: 'cus_1002 Alan Turing <alan.turing@example.org> card 5555555555554444' });
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['customers://{id}']);
    const prompt = await client.getPrompt({ name: 'summarize_customer', arguments: { id: 'cus_1001' } });
    expect(prompt.messages[0]).toMatchObject({ role: 'user', content: { type: 'text', text: expect.stringMatching(/ada@example\.com.*4111 1111 1111 1111/) } });
  });

  it('ends the session on DELETE: its id then gets 404', async () => {
    const { transport } = await legacyClient();
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const response = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  });

  it('answers an unknown session id with 404 and a request without one (not initialize) with 400', async () => {
    expect((await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' })).status).toBe(404);
    expect((await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(400);
  });

  it('resumes a broken stream from Last-Event-ID', async () => {
    const init = await post(INITIALIZE);
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.body?.cancel();
    const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).body?.cancel();
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow_report', arguments: { steps: 3, delayMs: 100 }, _meta: { progressToken: 'p' } } };
    // Keep only the first event (the SDK's priming event, which carries an id) and drop the connection.
    const [first] = await readEvents(await post(call, session), (events) => events.length > 0);
    expect(first?.id).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const resumed = await fetch(server.url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${TOKEN}`, 'last-event-id': first!.id!, ...session } });
    expect(resumed.status).toBe(200);
    const events = await readEvents(resumed, (seen) => seen.some((e) => e.data.includes('"id":7')));
    const messages = events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
    expect(messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress)).toEqual([1, 2, 3]);
    expect(messages.at(-1)).toMatchObject({ id: 7, result: { content: [{ type: 'text', text: 'report ready after 3 steps' }] } });
  });
});

describe('2026-07-28 with the v2 client (stateless)', () => {
  it('negotiates 2026-07-28 without a session and offers the same tools as 2025-11-25', async () => {
    const { client, transport } = await modernClient();
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(transport.sessionId).toBeUndefined();
    const modern = (await client.listTools()).tools;
    const legacy = (await (await legacyClient()).client.listTools()).tools;
    const shape = (tools: typeof legacy) => tools.map((t) => ({ name: t.name, description: t.description, annotations: t.annotations, properties: Object.keys(t.inputSchema.properties ?? {}), output: t.outputSchema !== undefined }));
    expect(shape(modern as typeof legacy)).toEqual(shape(legacy));
    expect(modern.map((t) => t.name)).toEqual(TOOLS);
  });

  it('calls echo and list_customers (structured content)', async () => {
    const { client } = await modernClient();
    expect(firstText(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe('hello');
    const listed = await client.callTool({ name: 'list_customers', arguments: {} });
    expect((listed.structuredContent as { customers: unknown[] }).customers).toHaveLength(5);
    expect(listed.structuredContent).toMatchObject({ customers: expect.arrayContaining([expect.objectContaining({ email: 'ada@example.com', card: '4111 1111 1111 1111' })]) });
  });

  it('reports progress of slow_report', async () => {
    const { client } = await modernClient();
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow_report', arguments: { steps: 3, delayMs: 5 } }, { onprogress: (p) => void progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3]);
    expect(firstText(result)).toBe('report ready after 3 steps');
  });

  it('gives up slow_report when the call is aborted (what the server does then is not observed here)', async () => {
    const { client } = await modernClient();
    const abort = new AbortController();
    let progressed = 0;
    const call = client.callTool({ name: 'slow_report', arguments: { steps: 50, delayMs: 20 } }, {
      signal: abort.signal,
      onprogress: () => {
        if (++progressed === 2) abort.abort();
      },
    });
    await expect(call).rejects.toThrow();
    expect(progressed).toBe(2);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { text: 'next' } }))).toBe('next');
  });

  it('asks for confirmation with an input_required round trip', async () => {
    const { client: yes } = await modernClient();
    expect(firstText(await yes.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } }))).toBe('confirmed: deploy');
    const { client: no } = await modernClient(server.url, { action: 'decline' });
    expect(firstText(await no.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } }))).toBe('declined: deploy');
  });

  it('sends the input_required result on the wire', async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} }, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' } };
    const response = await post(
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'confirm_action', arguments: { action: 'deploy' }, _meta: meta } },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'confirm_action' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 3,
      result: { resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create', params: { mode: 'form', message: 'Confirm: deploy?' } } } },
    });
  });

  it('sends a logging notification from notify_me when the request asks for a log level', async () => {
    const { client } = await modernClient();
    const logged: unknown[] = [];
    client.setNotificationHandler('notifications/message', (n) => void logged.push(n.params));
    await client.callTool({ name: 'notify_me', arguments: { message: 'hello' }, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
    expect(logged).toEqual([{ level: 'info', logger: 'demo-mcp', data: 'hello' }]);
  });

  it('returns get_logo, reads the resources and gets the prompt', async () => {
    const { client } = await modernClient();
    const logo = (await client.callTool({ name: 'get_logo', arguments: {} })) as { content: Array<{ type: string }> };
    expect(logo.content.map((c) => c.type)).toEqual(['image', 'resource']);
    expect((await client.readResource({ uri: 'customers://all' })).contents[0]).toMatchObject({ text: expect.stringContaining('5555555555554444') });
    expect((await client.readResource({ uri: 'customers://cus_1003' })).contents[0]).toMatchObject({ text: expect.stringContaining('grace.hopper@example.net') });
    const prompt = await client.getPrompt({ name: 'summarize_customer', arguments: { id: 'cus_1002' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: expect.stringMatching(/alan\.turing@example\.org.*5555555555554444/) });
  });
});

describe('the bearer token', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ["the caller's own token", { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.caller.token' }],
    ['the token without the scheme', { authorization: TOKEN }],
  ])('refuses %s with 401 and a JSON-RPC error', async (_, headers) => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(INITIALIZE) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Unauthorized: missing or wrong bearer token' }, id: null });
  });

  it('is required on every request of a session, and of the modern revision', async () => {
    const { transport } = await legacyClient();
    const withoutToken = await fetch(server.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': transport.sessionId! } });
    expect(withoutToken.status).toBe(401);
    const discover = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }),
    });
    expect(discover.status).toBe(401);
  });

  it('makes both clients fail to connect when wrong', async () => {
    await expect(legacyClient(server.url, undefined, 'wrong')).rejects.toThrow();
    const client = new ModernClient({ name: 'v2-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await expect(client.connect(new ModernTransport(new URL(server.url), { requestInit: { headers: { authorization: 'Bearer wrong' } } }))).rejects.toThrow();
  });

  it('guards /mcp only; other paths are 404', async () => {
    expect((await post(INITIALIZE, {}, server.url.replace(/\/mcp$/, '/other'))).status).toBe(404);
  });
});

describe('variants', () => {
  let changed: DemoMcpServer;
  beforeAll(async () => {
    changed = await startDemoMcpServer({ port: 0, token: TOKEN, variant: 'changed' });
  });
  afterAll(() => changed.close());

  it('changed differs from original only in the description of echo, on both revisions', async () => {
    const original = (await (await legacyClient()).client.listTools()).tools;
    for (const tools of [(await (await legacyClient(changed.url)).client.listTools()).tools, (await (await modernClient(changed.url)).client.listTools()).tools]) {
      const echo = tools.find((t) => t.name === 'echo')!;
      expect(echo.description).toContain('audit@evil.example');
      expect(original.find((t) => t.name === 'echo')!.description).not.toContain('evil');
      expect(tools.filter((t) => t.name !== 'echo').map((t) => [t.name, t.description])).toEqual(original.filter((t) => t.name !== 'echo').map((t) => [t.name, t.description]));
    }
  });

  it('switching at runtime sends tools/list_changed on the GET stream of a session and on a subscriptions/listen stream', async () => {
    const switching = await startDemoMcpServer({ port: 0, token: TOKEN });
    try {
      const { client } = await legacyClient(switching.url);
      const legacyNotified = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
      const { client: listener } = await modernClient(switching.url);
      const modernNotified = new Promise<void>((resolve) => listener.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
      const subscription = await listener.listen({ toolsListChanged: true });
      expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
      // The v1 client opens the GET stream after initialization; give it a moment to be up.
      await new Promise((resolve) => setTimeout(resolve, 200));
      switching.setVariant('changed');
      await Promise.all([legacyNotified, modernNotified]);
      await subscription.close();
      expect((await client.listTools()).tools.find((t) => t.name === 'echo')?.description).toContain('audit@evil.example');
      const { client: later } = await modernClient(switching.url);
      expect((await later.listTools()).tools.find((t) => t.name === 'echo')?.description).toContain('audit@evil.example');
    } finally {
      await switching.close();
    }
  });
});
