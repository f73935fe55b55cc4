import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdioTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';

// The built entry, as a gateway would start it: `npm run build` first.
const STDIO_JS = fileURLToPath(new URL('../dist/stdio.js', import.meta.url));
const ENV = { PATH: process.env.PATH ?? '', NOTES_KEY: 'notes-key-for-tests' };

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((c) => c.close()));
});

const firstText = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;

async function connect() {
  const client = new Client({ name: 'v1-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [STDIO_JS], env: ENV, stderr: 'pipe' }));
  opened.push(client);
  return client;
}

/** Runs the entry with raw stdin, to see exactly what it writes to stdout and stderr and how it exits. */
function run(env: Record<string, string>, stdin: string, waitMs = 0): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STDIO_JS], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.write(stdin);
    setTimeout(() => child.stdin.end(), waitMs);
  });
}

describe('the notes server over stdio', () => {
  it('lists its tools and searches, reads and adds notes (v1 SDK client, 2025-11-25)', async () => {
    const client = await connect();
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search_notes', 'read_note', 'add_note']);
    expect(firstText(await client.callTool({ name: 'search_notes', arguments: { query: 'INVOICES' } }))).toBe('note-1: Invoices: send the March invoices to finance before Friday.');
    expect(firstText(await client.callTool({ name: 'read_note', arguments: { id: 'note-2' } }))).toMatch(/ada@example\.com.*4111 1111 1111 1111/);
    const id = firstText(await client.callTool({ name: 'add_note', arguments: { text: 'Remember the milk' } }));
    expect(id).toBe('note-4');
    expect(firstText(await client.callTool({ name: 'read_note', arguments: { id } }))).toBe('Remember the milk');
    expect(firstText(await client.callTool({ name: 'search_notes', arguments: { query: 'nothing like this' } }))).toBe('no notes match');
    const missing = await client.callTool({ name: 'read_note', arguments: { id: 'note-99' } });
    expect(missing.isError).toBe(true);
  });

  it('serves the v2 client on 2026-07-28 too', async () => {
    const client = new ModernClient({ name: 'v2-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new ModernStdioTransport({ command: process.execPath, args: [STDIO_JS], env: ENV, stderr: 'pipe' }));
    opened.push(client);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(firstText(await client.callTool({ name: 'read_note', arguments: { id: 'note-3' } }))).toContain('gateway review');
  });

  it('writes only protocol messages to stdout and its logs to stderr', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const { code, stdout, stderr } = await run(ENV, `${JSON.stringify(initialize)}\n`, 300);
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'portcullis-notes' } } });
    expect(stderr).toContain('serving on stdio');
    expect(stderr).not.toContain(ENV.NOTES_KEY);
  });

  it.each([
    ['missing', { PATH: ENV.PATH }],
    ['empty', { PATH: ENV.PATH, NOTES_KEY: '' }],
  ])('refuses to start with exit code 2 when NOTES_KEY is %s', async (_, env) => {
    const { code, stdout, stderr } = await run(env, '');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('NOTES_KEY is required');
  });
});
