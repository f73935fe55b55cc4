import { describe, expect, it } from 'vitest';
import { parseArgv } from './args.js';

const command = (argv: string[]) => {
  const result = parseArgv(argv);
  if (!result.ok) throw new Error(`unexpected usage error: ${result.message}`);
  return result.command;
};
const usageError = (argv: string[]) => {
  const result = parseArgv(argv);
  if (result.ok) throw new Error(`expected a usage error, got ${result.command.kind}`);
  return result.message;
};

describe('parseArgv', () => {
  it.each([
    [['approvals', 'list'], { kind: 'approvals.list', all: false, json: false }],
    [['approvals', 'list', '--all', '--json'], { kind: 'approvals.list', all: true, json: true }],
    [
      ['approvals', 'list', '--requester', 'demo-agent', '--connection', 'demo-http', '--limit', '20', '--page', 'aDEu'],
      { kind: 'approvals.list', all: false, json: false, requester: 'demo-agent', connection: 'demo-http', limit: 20, page: 'aDEu' },
    ],
    [['approvals', 'approve', 'h-1'], { kind: 'approvals.approve', id: 'h-1' }],
    [['approvals', 'deny', 'h-1', '--reason', '  change freeze '], { kind: 'approvals.deny', id: 'h-1', reason: 'change freeze' }],
    [['--reason=no', 'approvals', 'deny', 'h-1'], { kind: 'approvals.deny', id: 'h-1', reason: 'no' }],
    [['approvals', 'grants'], { kind: 'approvals.grants', all: false, json: false }],
    [['approvals', 'grants', '--all', '--json'], { kind: 'approvals.grants', all: true, json: true }],
    [['approvals', 'revoke', 'g-1', '--reason', ' done '], { kind: 'approvals.revoke', id: 'g-1', reason: 'done' }],
    [['audit', 'verify', '--json'], { kind: 'audit.verify', json: true }],
    [['audit', 'show', 'req-1'], { kind: 'audit.show', requestId: 'req-1', json: false }],
    [['audit', 'session', 's-1', '--json'], { kind: 'audit.session', sessionId: 's-1', json: true }],
    [['policy', 'apply', 'a.yaml', 'dir/b.yml'], { kind: 'policy.apply', files: ['a.yaml', 'dir/b.yml'] }],
    [['policy', 'list', '--json'], { kind: 'policy.list', json: true }],
    [['policy', 'show', 'sql.yaml'], { kind: 'policy.show', name: 'sql.yaml', json: false }],
    [['policy', 'delete', 'sql.yaml'], { kind: 'policy.delete', name: 'sql.yaml' }],
    [['policy', 'test', 'policies'], { kind: 'policy.test', dir: 'policies' }],
    [
      ['policy', 'explain', '--connection', 'demo-http', '--subject', 'job', '--groups', 'agents, readers', '--http', 'get /orders?limit=10&x=?'],
      { kind: 'policy.explain', json: false, request: { connection: 'demo-http', subject: 'job', clientId: 'job', kind: 'machine', groups: ['agents', 'readers'], scopes: [], target: { kind: 'http', method: 'GET', path: '/orders', query: 'limit=10&x=?' } } },
    ],
    [
      ['policy', 'explain', '--connection', 'tools', '--client-id', 'c1', '--kind', 'human', '--scopes', 'read', '--mcp-method', 'tools/call', '--mcp-name', 'run_query', '--arguments', '{"database":"analytics"}', '--json'],
      { kind: 'policy.explain', json: true, request: { connection: 'tools', subject: 'cli-explain', clientId: 'c1', kind: 'human', groups: [], scopes: ['read'], target: { kind: 'mcp', method: 'tools/call', name: 'run_query', arguments: { database: 'analytics' } } } },
    ],
    [
      ['policy', 'explain', '--connection', 'warehouse', '--sql', 'select 1; drop table orders'],
      { kind: 'policy.explain', json: false, request: { connection: 'warehouse', subject: 'cli-explain', clientId: 'cli-explain', kind: 'machine', groups: [], scopes: [], target: { kind: 'sql', statement: 'select 1; drop table orders' } } },
    ],
    [['help'], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['approvals', 'deny', '-h'], { kind: 'help' }],
  ])('%j', (argv, expected) => expect(command(argv)).toEqual(expected));

  it('returns connection flags for run() to combine with env', () => {
    const result = parseArgv(['audit', 'verify', '--token', 't0k3n', '--audit', 'h:1']);
    expect(result.ok && result.flags).toEqual({ token: 't0k3n', approvals: undefined, audit: 'h:1', policy: undefined });
    const policy = parseArgv(['policy', 'list', '--policy', 'p:2']);
    expect(policy.ok && policy.flags.policy).toBe('p:2');
  });

  it.each([
    [[], 'missing command'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['approvals'], "'approvals' needs a subcommand"],
    [['approvals', 'grant'], "unknown command 'approvals grant'"],
    [['approvals', 'approve'], "'approvals approve' needs <id>"],
    [['approvals', 'approve', 'h-1', 'h-2'], "too many arguments for 'approvals approve'"],
    [['approvals', 'deny', 'h-1'], "'approvals deny' needs --reason \"<text>\""],
    [['approvals', 'deny', 'h-1', '--reason', '   '], "'approvals deny' needs --reason \"<text>\""],
    [['approvals', 'revoke', 'g-1'], "'approvals revoke' needs --reason \"<text>\""],
    [['approvals', 'revoke'], "'approvals revoke' needs <grant-id>"],
    [['approvals', 'list', '--reason', 'x'], "option --reason does not apply to 'approvals list'"],
    [['approvals', 'list', '--limit', '0'], '--limit must be a whole number from 1 to 500'],
    [['approvals', 'list', '--limit', '501'], '--limit must be a whole number from 1 to 500'],
    [['approvals', 'list', '--limit', '2x'], '--limit must be a whole number from 1 to 500'],
    [['approvals', 'list', '--requester', ' '], '--requester needs a value'],
    [['approvals', 'approve', 'h-1', '--page', 'x'], "option --page does not apply to 'approvals approve'"],
    [['audit', 'verify', '--all'], "option --all does not apply to 'audit verify'"],
    [['audit', 'show'], "'audit show' needs <request-id>"],
    [['audit', 'session'], "'audit session' needs <session-id>"],
    [['policy', 'apply'], "'policy apply' needs <file>..."],
    [['policy', 'show', 'a.yaml', 'b.yaml'], "too many arguments for 'policy show'"],
    [['policy', 'list', '--sql', 'x'], "option --sql does not apply to 'policy list'"],
    [['policy', 'explain', '--http', 'GET /'], "'policy explain' needs --connection <name>"],
    [['policy', 'explain', '--connection', 'c'], `'policy explain' needs exactly one of --http "<METHOD> <path>", --mcp-method <method> or --sql "<statement>"`],
    [['policy', 'explain', '--connection', 'c', '--http', 'GET /', '--sql', 'x'], `'policy explain' needs exactly one of --http "<METHOD> <path>", --mcp-method <method> or --sql "<statement>" (got --http and --sql)`],
    [['policy', 'explain', '--connection', 'c', '--http', '/orders'], '--http needs "<METHOD> <path>", e.g. "GET /orders?limit=10"'],
    [['policy', 'explain', '--connection', 'c', '--sql', 'x', '--mcp-name', 'n'], '--mcp-name and --arguments go with --mcp-method'],
    [['policy', 'explain', '--connection', 'c', '--sql', 'x', '--kind', 'robot'], '--kind must be machine or human'],
    [['policy', 'explain', '--connection', 'c', '--mcp-method', 'tools/call', '--arguments', '{nope'], `--arguments must be JSON, e.g. '{"database":"analytics"}'`],
  ])('%j is a usage error', (argv, message) => expect(usageError(argv)).toBe(message));

  it('reports unknown options and missing option values', () => {
    expect(usageError(['approvals', 'list', '--everything'])).toMatch(/Unknown option '--everything'/);
    expect(usageError(['approvals', 'list', '--token'])).toMatch(/--token/);
  });

  it('does not echo a stray argument that may be a secret', () => {
    expect(usageError(['eyJhbGciOiJFUzI1NiJ9.payload.sig'])).toBe("unknown command '<32 chars>'");
    expect(usageError(['approvals', 'list', 'eyJhbGciOiJFUzI1NiJ9'])).not.toContain('eyJ');
  });
});
