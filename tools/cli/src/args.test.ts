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
    [['approvals', 'approve', 'h-1'], { kind: 'approvals.approve', id: 'h-1' }],
    [['approvals', 'deny', 'h-1', '--reason', '  change freeze '], { kind: 'approvals.deny', id: 'h-1', reason: 'change freeze' }],
    [['--reason=no', 'approvals', 'deny', 'h-1'], { kind: 'approvals.deny', id: 'h-1', reason: 'no' }],
    [['approvals', 'grants'], { kind: 'approvals.grants', all: false, json: false }],
    [['approvals', 'grants', '--all', '--json'], { kind: 'approvals.grants', all: true, json: true }],
    [['approvals', 'revoke', 'g-1', '--reason', ' done '], { kind: 'approvals.revoke', id: 'g-1', reason: 'done' }],
    [['audit', 'verify', '--json'], { kind: 'audit.verify', json: true }],
    [['audit', 'show', 'req-1'], { kind: 'audit.show', requestId: 'req-1', json: false }],
    [['audit', 'session', 's-1', '--json'], { kind: 'audit.session', sessionId: 's-1', json: true }],
    [['help'], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['approvals', 'deny', '-h'], { kind: 'help' }],
  ])('%j', (argv, expected) => expect(command(argv)).toEqual(expected));

  it('returns connection flags for run() to combine with env', () => {
    const result = parseArgv(['audit', 'verify', '--token', 't0k3n', '--audit', 'h:1']);
    expect(result.ok && result.flags).toEqual({ token: 't0k3n', approvals: undefined, audit: 'h:1' });
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
    [['audit', 'verify', '--all'], "option --all does not apply to 'audit verify'"],
    [['audit', 'show'], "'audit show' needs <request-id>"],
    [['audit', 'session'], "'audit session' needs <session-id>"],
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
