import { REDACTED, valueMasker } from '@portcullis/detectors';
import { describe, expect, it } from 'vitest';
import { maskMessage, McpMaskingError } from './mcp-masking.js';

const masker = valueMasker({ name: 'p', detectors: ['email', 'card'], fields: ['password'], columns: [] });
const mask = (result: Record<string, unknown>) => {
  const findings: Record<string, number> = {};
  const masked = maskMessage({ jsonrpc: '2.0', id: 1, result }, masker, findings);
  return { result: (masked as { result: Record<string, unknown> }).result, findings };
};

describe('maskMessage', () => {
  it('masks text content, structured content and embedded resources', () => {
    const { result, findings } = mask({
      content: [
        { type: 'text', text: 'ada@example.com pays with 4111 1111 1111 1111' },
        { type: 'resource', resource: { uri: 'customers://1', mimeType: 'text/plain', text: 'grace@example.com' } },
      ],
      structuredContent: { customers: [{ email: 'ada@example.com', card: '5555555555554444', password: 'hunter2' }] },
    });
    const text = JSON.stringify(result);
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('grace@example.com');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).not.toContain('5555555555554444');
    expect(text).not.toContain('hunter2');
    expect((result.structuredContent as { customers: { password: string }[] }).customers[0]!.password).toBe(REDACTED);
    expect(findings.email).toBe(3);
    expect(findings.field).toBe(1);
  });

  it('masks card numbers written as JSON numbers', () => {
    const { result } = mask({ structuredContent: { card: 4111111111111111, count: 3 } });
    expect(result.structuredContent).toEqual({ card: REDACTED, count: 3 });
  });

  it('leaves media data alone but masks text resources sent as blobs', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
    const blob = Buffer.from('write to ada@example.com').toString('base64');
    const { result } = mask({ contents: [{ uri: 'x', mimeType: 'text/plain', blob }, { uri: 'y', mimeType: 'image/png', blob: png }], content: [{ type: 'image', data: png, mimeType: 'image/png' }] });
    const contents = result.contents as { blob: string }[];
    expect(Buffer.from(contents[0]!.blob, 'base64').toString()).not.toContain('ada@example.com');
    expect(contents[1]!.blob).toBe(png);
    expect((result.content as { data: string }[])[0]!.data).toBe(png);
  });

  it('refuses a text blob that is not UTF-8 and anything nested too deep', () => {
    expect(() => mask({ contents: [{ uri: 'x', mimeType: 'text/plain', blob: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }] })).toThrow(McpMaskingError);
    let deep: unknown = 'ada@example.com';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => mask({ structuredContent: { deep } })).toThrow(McpMaskingError);
  });

  it('masks notifications and server-to-client requests', () => {
    const findings: Record<string, number> = {};
    const masked = maskMessage({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { note: 'mail ada@example.com' } } }, masker, findings);
    expect(JSON.stringify(masked)).not.toContain('ada@example.com');
    expect(findings.email).toBe(1);
  });
});
