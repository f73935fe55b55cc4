import { describe, expect, it } from 'vitest';
import { checkModernHeaders, decodeHeaderValue, envelopeOf, isModern, META, MODERN } from './revision.js';

const call = (name: string) => ({ jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name, _meta: { [META.protocolVersion]: MODERN } } });

describe('revisions', () => {
  it('tells the revisions apart', () => {
    expect(isModern('2026-07-28')).toBe(true);
    expect(isModern('2025-11-25')).toBe(false);
    expect(isModern('garbage')).toBe(false);
  });

  it('reads the per-request envelope', () => {
    const message = { jsonrpc: '2.0' as const, id: 1, method: 'tools/list', params: { _meta: { [META.protocolVersion]: MODERN, [META.clientInfo]: { name: 'c' }, [META.clientCapabilities]: { elicitation: {} } } } };
    expect(envelopeOf(message)).toEqual({ protocolVersion: MODERN, clientInfo: { name: 'c' }, capabilities: { elicitation: {} } });
    expect(envelopeOf({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBeUndefined();
    expect(envelopeOf({ jsonrpc: '2.0', id: 1, result: {} })).toBeUndefined();
  });

  it('decodes header values as the SDK encodes them', () => {
    expect(decodeHeaderValue('echo')).toBe('echo');
    expect(decodeHeaderValue(`=?base64?${Buffer.from('crème').toString('base64')}?=`)).toBe('crème');
    expect(decodeHeaderValue('=?base64?!!!?=')).toBeUndefined();
    expect(decodeHeaderValue(`=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`)).toBeUndefined();
  });

  it.each([
    ['agreeing headers', { protocolVersion: MODERN, method: 'tools/call', name: 'echo' }, 'echo', true],
    ['no protocol version header', { method: 'tools/call', name: 'echo' }, 'echo', false],
    ['another protocol version', { protocolVersion: '2025-11-25', method: 'tools/call', name: 'echo' }, 'echo', false],
    ['no method header', { protocolVersion: MODERN, name: 'echo' }, 'echo', false],
    ['another method', { protocolVersion: MODERN, method: 'tools/list', name: 'echo' }, 'echo', false],
    ['no name header', { protocolVersion: MODERN, method: 'tools/call' }, 'echo', false],
    ['another name', { protocolVersion: MODERN, method: 'tools/call', name: 'delete_all' }, 'echo', false],
    ['a base64 name', { protocolVersion: MODERN, method: 'tools/call', name: `=?base64?${Buffer.from('é').toString('base64')}?=` }, 'é', true],
  ])('checks 2026-07-28 headers against the body: %s', (_name, headers, tool, ok) => {
    expect(checkModernHeaders(call(tool), MODERN, headers).ok).toBe(ok);
  });
});
