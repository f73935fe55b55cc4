import { describe, expect, it } from 'vitest';
import { mcpTarget, type Target } from '@portcullis/request-model';
import { approvalsV1 } from '@portcullis/proto-gen';
import { targetToProto } from '@portcullis/request-model';
import { formatTargetDetails, oneLine, SUMMARY_LENGTH, targetDetails, targetSummary, visible } from './target-format.js';

const http = (path: string, extra: Partial<Extract<Target, { kind: 'http' }>> = {}): Target => ({ kind: 'http', method: 'GET', path, query: '', headers: [], ...extra });

describe('targetSummary', () => {
  it('names the protocol and what is asked, per kind', () => {
    expect(targetSummary(http('/orders'))).toBe('http GET /orders');
    expect(targetSummary(mcpTarget('tools/call', 'refund', { order: 42 }))).toBe('mcp tools/call refund');
    expect(targetSummary(mcpTarget('tools/list', '', undefined))).toBe('mcp tools/list');
    expect(targetSummary({ kind: 'sql', statement: 'select *\n  from orders', parameters: [] })).toBe('sql select * from orders');
    expect(targetSummary(undefined)).toBe('-');
    expect(targetSummary(http('/orders', { query: 'id=42' }))).toBe('http GET /orders?id=42');
  });

  it('fits one line of the table, marking what it cut', () => {
    const long = targetSummary(http(`/${'x'.repeat(100)}`));
    expect(long).toHaveLength(SUMMARY_LENGTH);
    expect(long.endsWith('…')).toBe(true);
    expect(targetSummary(http('/a\nb\tc'))).toBe('http GET /a\\x0ab\\x09c');
  });
});

describe('targetDetails', () => {
  it('adds nothing for a target its summary already shows in full', () => {
    expect(targetDetails(http('/orders'))).toEqual([]);
    expect(targetDetails(mcpTarget('tools/list', '', undefined))).toEqual([]);
    expect(targetDetails(undefined)).toEqual([]);
  });

  it('spells out a long path, MCP arguments, and every SQL parameter (NULL, text, bytes told apart)', () => {
    expect(targetDetails(http(`/${'x'.repeat(100)}`))).toEqual([
      ['method', 'GET'],
      ['path', `/${'x'.repeat(100)}`],
    ]);
    expect(targetDetails(mcpTarget('tools/call', 'refund', { order: 42 }))).toEqual([
      ['method', 'tools/call'],
      ['name', 'refund'],
      ['arguments', '{"order":42}'],
    ]);
    const sql: Target = { kind: 'sql', statement: 'select $1, $2, $3, $4', parameters: [null, { text: 'null' }, { text: '' }, { binary: new Uint8Array(40).fill(0xab) }] };
    expect(targetDetails(sql)).toEqual([
      ['statement', 'select $1, $2, $3, $4'],
      ['$1', 'NULL'],
      ['$2', '"null"'],
      ['$3', '""'],
      ['$4', `40 bytes: ${'ab'.repeat(32)}…`],
    ]);
  });

  it('spells out an HTTP request’s decision headers and a query its line cannot carry', () => {
    expect(targetDetails(http('/orders', { query: 'id=42' }))).toEqual([]);
    expect(targetDetails(http('/orders', { query: 'id=42', headers: [{ name: 'accept', value: 'text/csv' }, { name: 'accept', value: '*/*' }] }))).toEqual([
      ['method', 'GET'],
      ['path', '/orders'],
      ['query', 'id=42'],
      ['header', 'accept: text/csv'],
      ['header', 'accept: */*'],
    ]);
    // Shortened in the summary (and by describeTarget beyond 80 characters): shown whole below.
    const query = `q=${'a'.repeat(100)}`;
    expect(targetDetails(http('/s', { query }))).toEqual([['method', 'GET'], ['path', '/s'], ['query', query]]);
    expect(targetDetails(http('/s', { headers: [{ name: 'user-agent', value: 'bot\x1b[2J' }] }))[2]).toEqual(['header', 'user-agent: bot\\x1b[2J']);
  });

  it('never lets a caller-chosen string drive the terminal', () => {
    const sneaky: Target = { kind: 'sql', statement: 'select 1;\r\x1b[2K\x1b[1Adrop table orders; -- \u202e', parameters: [{ text: 'a\x1b]0;title\x07\u2066' }] };
    const [[, statement], [, parameter]] = targetDetails(sneaky) as [[string, string], [string, string]];
    expect(statement).toBe('select 1;\\x0d\\x1b[2K\\x1b[1Adrop table orders; -- \\u202e');
    expect(parameter).toBe('"a\\u001b]0;title\\u0007\\u2066"');
    expect(targetDetails(mcpTarget('tools/call', 'x\u009b31m', { a: '\u202e' }))[1]).toEqual(['name', 'x\\x9b31m']);
    expect(targetDetails(mcpTarget('tools/call', 'x', { a: '\u202e' }))[2]).toEqual(['arguments', '{"a":"\\u202e"}']);
  });
});

describe('visible / oneLine', () => {
  it('escapes controls and bidirectional marks, and leaves ordinary text alone', () => {
    expect(visible('café 😀 \\d+ "q"')).toBe('café 😀 \\d+ "q"');
    expect(visible('a\nb\tc\x00\x7f')).toBe('a\nb\tc\\x00\\x7f');
    expect(oneLine('a\nb\tc')).toBe('a\\x0ab\\x09c');
  });
});

describe('formatTargetDetails', () => {
  const hold = (overrides: Partial<approvalsV1.Hold>): approvalsV1.Hold => approvalsV1.Hold.fromPartial({ id: 'h-1', target: targetToProto(http('/orders')), ...overrides });

  it('shows policy’s message first, with whatever of the target the table cannot carry', () => {
    expect(formatTargetDetails([hold({ message: 'Deletes need an approver.' })])).toBe('hold h-1\n  message  Deletes need an approver.');
    const withHeader = hold({ message: 'Deletes need an approver.', target: targetToProto(http('/orders', { headers: [{ name: 'accept', value: '*/*' }] })) });
    expect(formatTargetDetails([withHeader])).toBe(['hold h-1', '  message  Deletes need an approver.', '  method   GET', '  path     /orders', '  header   accept: */*'].join('\n'));
    expect(formatTargetDetails([hold({ message: '' })])).toBe('');
    expect(formatTargetDetails([hold({ message: 'a\u202eb' })])).toBe('hold h-1\n  message  a\\u202eb');
  });
});
