import { describe, expect, it } from 'vitest';
import { isNotification, isRequest, isResponse, parseMessage, RPC } from './jsonrpc.js';

describe('parseMessage', () => {
  it.each([
    ['request', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, isRequest],
    ['request with a string id and params', { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x' } }, isRequest],
    ['notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, isNotification],
    ['result', { jsonrpc: '2.0', id: 1, result: {} }, isResponse],
    ['error', { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'no' } }, isResponse],
  ])('accepts a %s', (_name, value, is) => {
    const parsed = parseMessage(value);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(is(parsed.message)).toBe(true);
  });

  it.each([
    ['a batch', [{ jsonrpc: '2.0', id: 1, method: 'ping' }], null, /batches are not supported/],
    ['a string', 'ping', null, /must be an object/],
    ['null', null, null, /must be an object/],
    ['version 1', { jsonrpc: '1.0', id: 1, method: 'ping' }, 1, /jsonrpc must be "2.0"/],
    ['a null id', { jsonrpc: '2.0', id: null, method: 'ping' }, null, /MCP forbids null/],
    ['an object id', { jsonrpc: '2.0', id: {}, method: 'ping' }, null, /string or a number/],
    ['a fractional infinite id', { jsonrpc: '2.0', id: Infinity, method: 'ping' }, null, /string or a number/],
    ['array params', { jsonrpc: '2.0', id: 2, method: 'ping', params: [] }, 2, /params must be an object/],
    ['an empty method', { jsonrpc: '2.0', id: 3, method: '' }, 3, /non-empty string/],
    ['a numeric method', { jsonrpc: '2.0', id: 3, method: 5 }, 3, /non-empty string/],
    ['a request with a result', { jsonrpc: '2.0', id: 3, method: 'ping', result: {} }, 3, /cannot carry a result/],
    ['neither method nor id', { jsonrpc: '2.0' }, null, /needs a method/],
    ['both result and error', { jsonrpc: '2.0', id: 4, result: {}, error: { code: 1, message: 'x' } }, 4, /exactly one/],
    ['a scalar result', { jsonrpc: '2.0', id: 4, result: 5 }, 4, /result must be an object/],
    ['a malformed error', { jsonrpc: '2.0', id: 4, error: { code: 'x' } }, 4, /error must be/],
    ['a fractional error code', { jsonrpc: '2.0', id: 4, error: { code: 1.5, message: 'x' } }, 4, /error must be/],
  ])('refuses %s, answering the id it can', (_name, value, id, message) => {
    const parsed = parseMessage(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.id).toBe(id);
      expect(parsed.message).toMatch(message);
      expect(parsed.code).toBe(RPC.INVALID_REQUEST);
    }
  });
});
