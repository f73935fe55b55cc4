// The MCP gateway end to end: the official SDK clients (v1 for 2025-11-25, v2 for 2026-07-28)
// through the real gateway processes to the real demo MCP servers (Streamable HTTP, and stdio
// spawned by the gateway), with tokens from the real dev IdP.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { REPO_ROOT } from '@portcullis/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoMcpServer, type DemoMcpServer } from '@portcullis/demo-mcp';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();

const MCP_POLICIES = [
  {
    id: 'agents-use-mcp',
    effect: 'allow',
    match: { groups: ['agents'], connections: ['demo-mcp', 'notes', 'broken', 'mutable'], mcp: { methods: ['initialize', 'ping', 'server/discover', 'subscriptions/listen', 'logging/setLevel', 'tools/list', 'prompts/list', 'prompts/get', 'resources/list', 'resources/templates/list', 'resources/read', 'completion/complete'] } },
    maskingProfile: 'default',
  },
  {
    id: 'agents-call-mcp-tools',
    effect: 'allow',
    match: { groups: ['agents'], connections: ['demo-mcp', 'notes', 'broken', 'mutable'], mcp: { tools: ['echo', 'list_customers', 'slow_report', 'confirm_action', 'get_logo', 'notify_me', 'search_notes', 'read_note', 'add_note'] } },
    maskingProfile: 'default',
  },
  {
    id: 'agents-refunds-need-approval',
    effect: 'require_approval',
    match: { groups: ['agents'], connections: ['demo-mcp'], mcp: { tools: ['issue_refund'], arguments: { amount: { gt: 100 } } } },
    approval: { approverGroups: ['approvers'], timeout: '3s' },
    maskingProfile: 'default',
  },
  {
    id: 'agents-small-refunds',
    effect: 'allow',
    match: { groups: ['agents'], connections: ['demo-mcp'], mcp: { tools: ['issue_refund'], arguments: { amount: { lte: 100 } } } },
  },
  { id: 'agents-never-run-shell', effect: 'deny', match: { groups: ['agents'], connections: ['demo-mcp', 'notes'], mcp: { tools: ['run_shell'] } } },
];

const MUTABLE_TOKEN = 'mutable-upstream-token-for-tests';

function connections(deadPort: number, mutablePort: number) {
  return [
    { name: 'mutable', type: 'mcp', upstream: `http://127.0.0.1:${mutablePort}/mcp`, credential: { header: 'authorization', scheme: 'Bearer', secret: { env: 'MUTABLE_MCP_TOKEN' } } },
    { name: 'demo-mcp', type: 'mcp', upstream: 'DEMO_MCP_URL', credential: { header: 'authorization', scheme: 'Bearer', secret: { env: 'DEMO_MCP_TOKEN' } }, timeout: '10s' },
    { name: 'notes', type: 'mcp', command: ['node', 'tools/demo-mcp/dist/stdio.js'], env: { NOTES_KEY: { env: 'NOTES_KEY' } }, cwd: REPO_ROOT },
    { name: 'broken', type: 'mcp', upstream: `http://127.0.0.1:${deadPort}/mcp`, timeout: '2s' },
    { name: 'scoped', type: 'mcp', upstream: 'DEMO_MCP_URL', credential: { header: 'authorization', scheme: 'Bearer', secret: { env: 'DEMO_MCP_TOKEN' } }, requiredScopes: ['mcp:admin'] },
  ];
}

let agentToken: string;

async function v1(path: string, token = agentToken, options: { elicit?: (message: string) => { action: 'accept' | 'decline'; content?: Record<string, unknown> } } = {}): Promise<ClientV1> {
  const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' }, { capabilities: options.elicit ? { elicitation: {} } : {} });
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (request) => answer(String((request.params as { message?: string }).message ?? '')));
  }
  await client.connect(new TransportV1(new URL(`${env.stack.ingressUrl}${path}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function v2(path: string, token = agentToken, base = env.stack.ingressUrl): Promise<ClientV2> {
  const client = new ClientV2({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new TransportV2(new URL(`${base}${path}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const text = (result: unknown): string => JSON.stringify(result);

let mutable: DemoMcpServer;
let mutablePort: number;

beforeAll(async () => {
  const { freePorts } = await import('@portcullis/stack');
  const [dead, port] = await freePorts(2);
  mutablePort = port!;
  // An upstream this test changes under the gateway (tool pinning).
  mutable = await startDemoMcpServer({ port: mutablePort, token: MUTABLE_TOKEN });
  await env.start({
    demoMcp: true,
    ingressInstances: 2,
    env: { MUTABLE_MCP_TOKEN: MUTABLE_TOKEN },
    connections: connections(dead!, mutablePort),
    policies: MCP_POLICIES,
    mcp: { resource: 'http://127.0.0.1:8080/mcp', sessionKey: { env: 'PORTCULLIS_MCP_SESSION_KEY' }, adminGroups: ['admins'] },
  });
  agentToken = await env.token(CLIENTS.agent);
}, 120_000);

afterAll(async () => {
  await env.stop();
  await mutable?.close();
});

describe('MCP gateway (2025-11-25, official SDK v1 client)', () => {
  it('lists only the tools the caller may call or request approval for', async () => {
    const client = await v1('/mcp/demo-mcp');
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toContain('echo');
    expect(names).toContain('issue_refund'); // approval for large amounts, allowed for small ones
    expect(names).not.toContain('run_shell'); // denied whatever its arguments
    await client.close();
  });

  it('forwards an allowed call and never passes the caller token upstream', async () => {
    const client = await v1('/mcp/demo-mcp');
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello through the gateway' } });
    expect(text(result)).toContain('hello through the gateway');
    await client.close();
  });

  it('refuses a denied call with a tool error naming the rule', async () => {
    const client = await v1('/mcp/demo-mcp');
    const result = (await client.callTool({ name: 'run_shell', arguments: { command: 'id' } })) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain('rule:agents-never-run-shell');
    expect(result.content[0]!.text).not.toContain('refused by demo server');
    await client.close();
  });

  it('masks text and structured results', async () => {
    const client = await v1('/mcp/demo-mcp');
    const result = await client.callTool({ name: 'list_customers', arguments: {} });
    const body = text(result);
    expect(body).not.toMatch(/[a-z]+@example\.com/);
    expect(body).not.toContain('4111');
    expect((result as { structuredContent?: unknown }).structuredContent).toBeDefined();
    await client.close();
  });

  it('relays log notifications of a call, masked', async () => {
    const client = await v1('/mcp/demo-mcp');
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void logged.push(n.params.data));
    const result = await client.callTool({ name: 'notify_me', arguments: { message: 'write to grace.hopper@example.com' } });
    expect(text(result)).toContain('sent');
    expect(JSON.stringify(logged)).toContain('write to');
    expect(JSON.stringify(logged)).not.toContain('grace.hopper@example.com');
    await client.close();
  });

  it('passes images through and masks embedded resources', async () => {
    const client = await v1('/mcp/demo-mcp');
    const result = (await client.callTool({ name: 'get_logo', arguments: {} })) as { content: { type: string; data?: string; resource?: { text?: string } }[] };
    const image = result.content.find((c) => c.type === 'image');
    expect(Buffer.from(image!.data!, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const resource = result.content.find((c) => c.type === 'resource');
    expect(resource!.resource!.text).toContain('Logo by the Portcullis demo team');
    expect(resource!.resource!.text).not.toContain('brand@example.com');
    await client.close();
  });

  it('reads resources and gets prompts, masked', async () => {
    const client = await v1('/mcp/demo-mcp');
    const read = await client.readResource({ uri: 'customers://all' });
    expect(text(read)).toContain('Ada Lovelace');
    expect(text(read)).not.toContain('ada@example.com');
    const prompt = await client.getPrompt({ name: 'summarize_customer', arguments: { id: 'cus_1002' } });
    expect(text(prompt)).toContain('Alan Turing');
    expect(text(prompt)).not.toContain('5555555555554444');
    await client.close();
  });

  it('relays progress notifications', async () => {
    const client = await v1('/mcp/demo-mcp');
    const seen: number[] = [];
    const result = await client.callTool({ name: 'slow_report', arguments: { steps: 3, delayMs: 20 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(text(result)).toBeTruthy();
    await client.close();
  });

  it('relays an elicitation request on the caller session and its answer back', async () => {
    let asked = '';
    const client = await v1('/mcp/demo-mcp', agentToken, {
      elicit: (message) => {
        asked = message;
        return { action: 'accept', content: { confirm: true } };
      },
    });
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'archive' } });
    expect(asked, text(result)).not.toBe('');
    expect(text(result)).toContain('confirmed: archive');
    await client.close();
  });

  it('holds a large refund until an approver approves it, with a progress notice naming the hold', async () => {
    const client = await v1('/mcp/demo-mcp');
    let held!: (holdId: string) => void;
    const notice = new Promise<string>((resolve) => (held = resolve));
    const call = client.callTool({ name: 'issue_refund', arguments: { customerId: 'cus_1001', amount: 500 } }, undefined, {
      onprogress: (p) => {
        const holdId = /hold ([0-9a-f-]{36})/.exec(String(p.message ?? ''))?.[1];
        if (holdId) held(holdId);
      },
      timeout: 30_000,
    });
    const holdId = await notice;
    const approver = await env.token(CLIENTS.approver);
    const approved = await env.cli(['approvals', 'approve', holdId], approver);
    expect(approved.code, approved.stderr).toBe(0);
    const result = await call;
    expect(text(result)).toContain('refunded');
    await client.close();
  });

  it('refuses a held call whose hold expires', async () => {
    const client = await v1('/mcp/demo-mcp');
    const result = (await client.callTool({ name: 'issue_refund', arguments: { customerId: 'cus_1002', amount: 900 } }, undefined, { timeout: 30_000 })) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain('APPROVAL_EXPIRED');
    await client.close();
  });

  it('withdraws a held call the caller cancels, and records it as cancelled', async () => {
    const client = await v1('/mcp/demo-mcp');
    const controller = new AbortController();
    let held!: () => void;
    const notice = new Promise<void>((resolve) => (held = resolve));
    const call = client.callTool({ name: 'issue_refund', arguments: { customerId: 'cus_1003', amount: 700 } }, undefined, {
      signal: controller.signal,
      onprogress: () => held(),
      timeout: 30_000,
    });
    await notice;
    controller.abort('changed my mind'); // the SDK sends notifications/cancelled
    await expect(call).rejects.toThrow();
    const code = await waitFor(async () => {
      const { rows } = await env.sql().query<{ code: string }>(
        "select event_json->'requestCompleted'->>'errorCode' as code from audit.events where connection = 'demo-mcp' and event_json::text like '%requestCompleted%' and event_json->'requestCompleted'->>'errorCode' in ('REQUEST_CANCELLED', 'CALLER_GONE') order by seq desc limit 1",
      );
      return rows[0]?.code;
    });
    expect(code).toBe('REQUEST_CANCELLED');
    await client.close();
  });

  it('continues a session on another ingress instance', async () => {
    const [first, second] = env.stack.ingressUrls;
    const transport = new TransportV1(new URL(`${first}/mcp/demo-mcp`), { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } });
    const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    await client.connect(transport);
    const sessionId = transport.sessionId!;
    expect(sessionId).toBeTruthy();
    // The same session id, on the other instance.
    const other = new TransportV1(new URL(`${second}/mcp/demo-mcp`), { sessionId, requestInit: { headers: { authorization: `Bearer ${agentToken}` } } });
    const resumed = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    // Connecting with a session id skips initialize (the SDK's resumption path).
    await resumed.connect(other);
    const result = await resumed.callTool({ name: 'echo', arguments: { text: 'on instance two' } });
    expect(text(result)).toContain('on instance two');
    await client.close();
  });

  it('does not let another principal use a session', async () => {
    const transport = new TransportV1(new URL(`${env.stack.ingressUrl}/mcp/demo-mcp`), { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } });
    const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    await client.connect(transport);
    const approver = await env.token(CLIENTS.approver);
    const res = await fetch(`${env.stack.ingressUrl}/mcp/demo-mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${approver}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    await client.close();
  });

  it('ends a deleted session on every instance', async () => {
    const transport = new TransportV1(new URL(`${env.stack.ingressUrl}/mcp/demo-mcp`), { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } });
    const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    await client.connect(transport);
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const [, second] = env.stack.ingressUrls;
    const status = await waitFor(async () => {
      const res = await fetch(`${second}/mcp/demo-mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      return res.status === 404 ? res.status : undefined;
    });
    expect(status).toBe(404);
  });
});

describe('MCP gateway: /mcp aggregates every upstream', () => {
  it('lists namespaced tools of the HTTP and the stdio upstream, and survives a broken one', async () => {
    const client = await v1('/mcp');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('demo-mcp__echo');
    expect(names).toContain('notes__search_notes');
    expect(names.some((n) => n.startsWith('broken__'))).toBe(false);
    const result = await client.callTool({ name: 'notes__read_note', arguments: { id: 'note-2' } });
    expect(text(result)).not.toMatch(/[a-z]+@example\.com/);
    const broken = (await client.callTool({ name: 'broken__anything', arguments: {} })) as { isError?: boolean; content: { text: string }[] };
    expect(broken.isError).toBe(true);
    expect(broken.content[0]!.text).toMatch(/UPSTREAM_UNAVAILABLE|POLICY_DENIED/);
    await client.close();
  });
});

describe('MCP gateway (2026-07-28, official SDK v2 client)', () => {
  it('discovers, lists and calls without a session, on either instance', async () => {
    for (const base of env.stack.ingressUrls) {
      const client = await v2('/mcp/demo-mcp', agentToken, base);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('echo');
      expect(names).not.toContain('run_shell');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'modern' } });
      expect(text(result)).toContain('modern');
      const masked = await client.callTool({ name: 'list_customers', arguments: {} });
      expect(text(masked)).not.toMatch(/[a-z]+@example\.com/);
      await client.close();
    }
  });

  it('passes an input_required round trip (elicitation on 2026-07-28) between caller and upstream', async () => {
    const client = new ClientV2({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
    await client.connect(new TransportV2(new URL(`${env.stack.ingressUrl}/mcp/demo-mcp`), { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } }));
    const result = await client.callTool({ name: 'confirm_action', arguments: { action: 'archive' } });
    expect(text(result)).toContain('confirmed: archive');
    await client.close();
  });

  it('refuses a request whose Mcp-Name header does not match its body', async () => {
    const res = await fetch(`${env.stack.ingressUrl}/mcp/demo-mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'run_shell', arguments: { command: 'id' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Mcp-Name');
  });
});

describe('MCP gateway: tool pinning', () => {
  it('withholds a tool whose definition changed until an admin approves it', async () => {
    const before = await v1('/mcp/mutable');
    expect((await before.listTools()).tools.map((t) => t.name)).toContain('echo');
    await before.close();

    // A client holding a session hears of the change on its server stream (GET), relayed.
    const listening = await v1('/mcp/mutable');
    let changed!: () => void;
    const heard = new Promise<void>((resolve) => (changed = resolve));
    listening.setNotificationHandler(ToolListChangedNotificationSchema, async () => changed());
    await listening.listTools(); // the GET stream is open once the session is in use

    // The upstream changes echo's description (a "rug pull").
    mutable.setVariant('changed');
    await heard;
    await listening.close();

    const after = await v1('/mcp/mutable');
    expect((await after.listTools()).tools.map((t) => t.name)).not.toContain('echo');
    const refused = (await after.callTool({ name: 'echo', arguments: { text: 'x' } })) as { isError?: boolean; content: { text: string }[] };
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toContain('TOOL_DEFINITION_CHANGED');
    // One ToolDefinitionChanged in the audit log, naming the tool and both digests.
    const changes = await waitFor(async () => {
      const { rows } = await env.sql().query<{ event_json: Record<string, unknown> }>("select event_json from audit.events where connection = 'mutable' and event_json::text like '%toolDefinitionChanged%'");
      return rows.length > 0 ? rows : undefined;
    });
    expect(changes).toHaveLength(1);
    expect(JSON.stringify(changes[0]!.event_json)).toMatch(/"tool":"echo"/);

    const admin = await env.token(CLIENTS.admin);
    const listed = await env.cli(['mcp', 'tools', 'list', 'mutable'], admin);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/echo\s+CHANGED \(withheld\)/);
    expect(listed.stdout).toContain('Also forward the text to'); // the pending description, for review
    const agentTry = await env.cli(['mcp', 'tools', 'approve', 'mutable', 'echo'], agentToken);
    expect(agentTry.code).toBe(1);
    expect(agentTry.stderr).toContain('PERMISSION_DENIED');
    const approved = await env.cli(['mcp', 'tools', 'approve', 'mutable', 'echo'], admin);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('approved by demo-admin');

    expect((await after.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(text(await after.callTool({ name: 'echo', arguments: { text: 'approved again' } }))).toContain('approved again');
    await after.close();
  });
});

describe('MCP gateway as an OAuth resource server', () => {
  it('answers 401 with a challenge pointing at its protected resource metadata', async () => {
    const res = await fetch(`${env.stack.ingressUrl}/mcp/demo-mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:8080\/\.well-known\/oauth-protected-resource\/mcp\/demo-mcp"/);
    const metadata = (await (await fetch(`${env.stack.ingressUrl}/.well-known/oauth-protected-resource/mcp/demo-mcp`)).json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe('http://127.0.0.1:8080/mcp/demo-mcp');
    expect(metadata.authorization_servers).toEqual([env.stack.issuerUrl, `${env.stack.issuerUrl}/nested`]);
  });

  it('refuses a token without a connection\'s required scopes with 403 insufficient_scope, and leaves that connection out of /mcp', async () => {
    const res = await fetch(`${env.stack.ingressUrl}/mcp/scoped`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(res.headers.get('www-authenticate')).toMatch(/scope="mcp:admin"/);
    const client = await v1('/mcp');
    expect((await client.listTools()).tools.some((t) => t.name.startsWith('scoped__'))).toBe(false);
    await client.close();
    const metadata = (await (await fetch(`${env.stack.ingressUrl}/.well-known/oauth-protected-resource/mcp`)).json()) as { scopes_supported?: string[] };
    expect(metadata.scopes_supported).toEqual(['mcp:admin']);
  });

  it('never writes a token or the upstream credential to a log', () => {
    const logs = readdirSync(env.logDir).map((name) => readFileSync(join(env.logDir, name), 'utf8')).join('\n');
    for (const token of env.tokens) expect(logs).not.toContain(token);
    expect(logs).not.toContain(env.stack.demoMcpToken);
  });
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
