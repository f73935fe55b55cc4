// A hand-written stdio MCP server for upstream-stdio.int.test.ts: it can misbehave on purpose.
// argv[2]: normal | garbage | huge | exit-on-call | silent
import { createInterface } from 'node:readline';

const mode = process.argv[2] ?? 'normal';
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.method === 'initialize') {
    if (mode === 'silent') return;
    return send({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'fixture', version: '1' } } });
  }
  if (message.method !== 'tools/call') return;
  const name = message.params.name;
  if (mode === 'garbage') return process.stdout.write('this is not json\n');
  if (mode === 'huge') return process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":{"x":"${'a'.repeat(100_000)}"}}\n`);
  if (mode === 'exit-on-call') process.exit(3);
  if (name === 'env') return send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: Object.keys(process.env).sort().join(',') }] } });
  if (name === 'progress') {
    const token = message.params._meta?.progressToken;
    send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1 } });
    return send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } });
  }
  if (name === 'ask') {
    send({ jsonrpc: '2.0', id: 'srv-1', method: 'elicitation/create', params: { message: 'sure?', requestedSchema: { type: 'object', properties: {} } } });
    lines.once('line', (answer) => send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: `answer: ${JSON.parse(answer).result.action}` }] } }));
    return;
  }
  if (name === 'never') return;
  send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: `echo ${message.id}` }] } });
});
