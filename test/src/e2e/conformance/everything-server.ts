// A test upstream shaped for the MCP conformance suite's server scenarios (the `test_*` tools,
// `test://` resources and prompts its scenarios call), served over Streamable HTTP with
// 2025-11-25 sessions by the official SDK. Only the conformance test uses it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import * as z from 'zod';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WAVEfmt '), Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x40, 0x1f, 0, 0, 1, 0, 8, 0]), Buffer.from('data'), Buffer.from([0, 0, 0, 0])]).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function everything(): McpServer {
  const server = new McpServer({ name: 'conformance-upstream', version: '1.0.0' }, { capabilities: { logging: {}, resources: { subscribe: true }, completions: {} } });
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool('test_simple_text', { description: 'simple text', inputSchema: z.object({}) }, async () => text('This is a simple text response for testing.'));
  server.registerTool('test_image_content', { description: 'image', inputSchema: z.object({}) }, async () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }));
  server.registerTool('test_audio_content', { description: 'audio', inputSchema: z.object({}) }, async () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }));
  server.registerTool('test_embedded_resource', { description: 'embedded resource', inputSchema: z.object({}) }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'mixed', inputSchema: z.object({}) }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' } },
    ],
  }));
  server.registerTool('test_tool_with_logging', { description: 'logging', inputSchema: z.object({}) }, async (_args, ctx) => {
    await ctx.mcpReq.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool execution completed');
    return text('Tool with logging executed successfully');
  });
  server.registerTool('test_error_handling', { description: 'error', inputSchema: z.object({}) }, async () => ({ isError: true, content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }] }));
  server.registerTool('test_tool_with_progress', { description: 'progress', inputSchema: z.object({}) }, async (_args, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress, total: 100 } });
      if (progress < 100) await sleep(50);
    }
    return text('Tool with progress executed successfully');
  });
  server.registerTool('test_elicitation', { description: 'elicitation', inputSchema: z.object({ message: z.string() }) }, async ({ message }, ctx) => {
    const answer = await ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: { type: 'object', properties: { username: { type: 'string' }, email: { type: 'string' } }, required: ['username', 'email'] } });
    return text(`User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
  });
  server.registerResource('static-text', 'test://static-text', { mimeType: 'text/plain' }, async () => ({ contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] }));
  server.registerResource('static-binary', 'test://static-binary', { mimeType: 'image/png' }, async () => ({ contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }] }));
  server.registerResource('watched', 'test://watched-resource', { mimeType: 'text/plain' }, async () => ({ contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'watched' }] }));
  server.registerResource('template', new ResourceTemplate('test://template/{id}/data', { list: undefined }), { mimeType: 'application/json' }, async (uri, { id }) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
  }));
  server.registerPrompt('test_simple_prompt', { description: 'simple' }, async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] }));
  server.registerPrompt('test_prompt_with_arguments', { description: 'args', argsSchema: z.object({ arg1: z.string(), arg2: z.string() }) }, async ({ arg1, arg2 }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
  }));
  server.registerPrompt('test_prompt_with_embedded_resource', { description: 'embedded', argsSchema: z.object({ resourceUri: z.string() }) }, async ({ resourceUri }) => ({
    messages: [
      { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ],
  }));
  server.registerPrompt('test_prompt_with_image', { description: 'image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  return server;
}

/** Serves it at http://127.0.0.1:<port>/mcp, with a session per initialize; no authentication (a test fixture behind the test's own hop). */
export async function startEverythingServer(): Promise<{ url: string; server: Server }> {
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const server = createServer((req, res) => {
    void (async () => {
      let body: unknown;
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      }
      const id = req.headers['mcp-session-id'];
      if (typeof id === 'string') {
        const transport = sessions.get(id);
        if (!transport) return void res.writeHead(404).end();
        return transport.handleRequest(req, res, body);
      }
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => void sessions.set(sid, transport) });
      await everything().connect(transport);
      return transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, server };
}
