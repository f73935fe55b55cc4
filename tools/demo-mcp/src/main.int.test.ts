import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built entry, as the quickstart starts it: `npm run build` first.
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TOKEN = 'main-token-for-tests';

function start(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [MAIN_JS], { env: { PATH: process.env.PATH ?? '', ...env } });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk));
  return { child, output };
}

describe('node dist/main.js', () => {
  it('exits 1 with a clear message when DEMO_MCP_TOKEN is missing', async () => {
    const { child, output } = start({});
    const [code] = await once(child, 'close');
    expect(code).toBe(1);
    expect(output.stderr).toContain('DEMO_MCP_TOKEN is required');
  });

  it('serves on DEMO_MCP_ADDR, logs where without the token, and stops on SIGTERM', async () => {
    const { child, output } = start({ DEMO_MCP_TOKEN: TOKEN, DEMO_MCP_ADDR: '127.0.0.1:0', DEMO_MCP_VARIANT: 'changed' });
    try {
      while (!output.stdout.includes('"listening"')) await once(child.stdout, 'data');
      const listening = output.stdout.split('\n').map((line) => (line ? JSON.parse(line) : {})).find((entry) => entry.msg === 'listening');
      expect(listening).toMatchObject({ service: 'demo-mcp', variant: 'changed', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/) });
      const response = await fetch(listening.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
      expect(response.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'close');
    expect(code).toBe(0);
    expect(output.stdout + output.stderr).not.toContain(TOKEN);
  });
});
