import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpConnection } from '../config.js';
import type { JsonRpcMessage } from './jsonrpc.js';
import { StdioUpstreams } from './upstream-stdio.js';
import { UpstreamError, type UpstreamSession } from './upstream.js';

const FIXTURE = join(import.meta.dirname, 'testing', 'stdio-fixture.mjs');
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const client = { clientInfo: { name: 't', version: '1' }, capabilities: {}, protocolVersion: '2025-11-25' };

function connection(mode: string, overrides: Partial<McpConnection['config']> = {}): McpConnection {
  return {
    config: { name: `fixture-${mode}`, type: 'mcp', command: [process.execPath, FIXTURE, mode], env: {}, protocol: 'auto', timeout: 2_000, maxMessageBytes: 10_000, tags: [], requiredScopes: [], ...overrides } as McpConnection['config'],
    credential: undefined,
    env: { FIXTURE_SECRET: 'only-for-the-child' },
    cwd: import.meta.dirname,
  };
}

async function call(session: UpstreamSession, name: string, id: string | number = 1, meta?: Record<string, unknown>): Promise<JsonRpcMessage[]> {
  const messages: JsonRpcMessage[] = [];
  for await (const m of session.request({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, ...(meta ? { _meta: meta } : {}) } }, AbortSignal.timeout(5_000))) messages.push(m);
  return messages;
}

let upstreams: StdioUpstreams;
afterEach(async () => {
  await upstreams?.close();
});

describe('stdio upstreams', () => {
  it('gives the process only its connection env (and PATH, HOME), never the gateway environment', async () => {
    process.env.GATEWAY_ONLY_SECRET = 'must-not-leak';
    upstreams = new StdioUpstreams({ maxProcesses: 4, idleTimeoutMs: 60_000, logger });
    const session = await upstreams.session('s1', connection('normal'), client);
    const [response] = await call(session, 'env');
    const keys = JSON.stringify(response);
    expect(keys).toContain('FIXTURE_SECRET');
    expect(keys).not.toContain('GATEWAY_ONLY_SECRET');
    delete process.env.GATEWAY_ONLY_SECRET;
  });

  it('keeps the gateway ids apart from the process id space, even when they collide', async () => {
    upstreams = new StdioUpstreams({ maxProcesses: 4, idleTimeoutMs: 60_000, logger });
    const session = await upstreams.session('s1', connection('normal'), client);
    const [a, b] = await Promise.all([call(session, 'echo', 1), call(session, 'echo', 'portcullis-initialize')]);
    expect(a.at(-1)).toMatchObject({ id: 1 });
    expect(b.at(-1)).toMatchObject({ id: 'portcullis-initialize' });
  });

  it('yields progress with its request and relays a server-to-client request and its answer', async () => {
    upstreams = new StdioUpstreams({ maxProcesses: 4, idleTimeoutMs: 60_000, logger });
    const session = await upstreams.session('s1', connection('normal'), client);
    const progress = await call(session, 'progress', 7, { progressToken: 'p1' });
    expect(progress[0]).toMatchObject({ method: 'notifications/progress' });
    expect(progress.at(-1)).toMatchObject({ id: 7 });
    const asked: JsonRpcMessage[] = [];
    for await (const m of session.request({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'ask', arguments: {} } }, AbortSignal.timeout(5_000))) {
      asked.push(m);
      if ('method' in m && m.method === 'elicitation/create') await session.send({ jsonrpc: '2.0', id: (m as { id: string }).id, result: { action: 'accept' } }, AbortSignal.timeout(1_000));
    }
    expect(JSON.stringify(asked.at(-1))).toContain('answer: accept');
  });

  it.each([
    ['garbage', 'PROTOCOL'],
    ['huge', 'TOO_LARGE'],
    ['exit-on-call', 'UNAVAILABLE'],
  ])('fails the pending request of a process that misbehaves (%s) with %s, and starts a fresh one next time', async (mode, failure) => {
    upstreams = new StdioUpstreams({ maxProcesses: 4, idleTimeoutMs: 60_000, logger });
    const session = await upstreams.session('s1', connection(mode), client);
    const error = await call(session, 'echo').then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).failure).toBe(failure);
    const again = await upstreams.session('s1', connection(mode), client);
    expect(again).not.toBe(session);
  });

  it('times out a request, and a process that never answers initialize', async () => {
    upstreams = new StdioUpstreams({ maxProcesses: 4, idleTimeoutMs: 60_000, logger });
    const session = await upstreams.session('s1', connection('normal', { timeout: 300 }), client);
    await expect(call(session, 'never')).rejects.toMatchObject({ failure: 'TIMEOUT' });
    await expect(upstreams.session('s2', connection('silent', { timeout: 300 }), client)).rejects.toMatchObject({ failure: 'TIMEOUT' });
  });

  it('bounds the processes per instance and ends the processes of a session', async () => {
    upstreams = new StdioUpstreams({ maxProcesses: 1, idleTimeoutMs: 60_000, logger });
    await upstreams.session('s1', connection('normal'), client);
    await expect(upstreams.session('s2', connection('normal'), client)).rejects.toMatchObject({ failure: 'UNAVAILABLE' });
    await upstreams.end('s1');
    await expect(upstreams.session('s2', connection('normal'), client)).resolves.toBeDefined();
  });

  it('reports a program that cannot be started', async () => {
    upstreams = new StdioUpstreams({ maxProcesses: 4, idleTimeoutMs: 60_000, logger });
    await expect(upstreams.session('s1', { ...connection('normal'), config: { ...connection('normal').config, command: ['/nonexistent/program'] } }, client)).rejects.toMatchObject({ failure: 'UNAVAILABLE' });
  });
});
