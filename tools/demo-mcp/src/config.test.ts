import { describe, expect, it } from 'vitest';
import { loadConfig, loadNotesConfig } from './config.js';

describe('loadConfig', () => {
  it('needs only the token and defaults the rest', () => {
    expect(loadConfig({ DEMO_MCP_TOKEN: 't' })).toEqual({ address: { host: '127.0.0.1', port: 7700 }, token: 't', variant: 'original', logLevel: 'info' });
  });

  it('reads the address and the variant', () => {
    const config = loadConfig({ DEMO_MCP_TOKEN: 't', DEMO_MCP_ADDR: '0.0.0.0:0', DEMO_MCP_VARIANT: 'changed' });
    expect(config).toMatchObject({ address: { host: '0.0.0.0', port: 0 }, variant: 'changed' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable at once, without echoing the token', () => {
    let thrown: unknown;
    try {
      loadConfig({ DEMO_MCP_ADDR: 'nowhere', DEMO_MCP_VARIANT: 'evil' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'ENV_INVALID', problems: [expect.stringContaining('DEMO_MCP_ADDR'), 'DEMO_MCP_TOKEN is required', expect.stringContaining('DEMO_MCP_VARIANT')] });
  });
});

describe('loadNotesConfig', () => {
  it('requires a non-empty NOTES_KEY', () => {
    expect(loadNotesConfig({ NOTES_KEY: 'k' }).notesKey).toBe('k');
    expect(() => loadNotesConfig({})).toThrow('NOTES_KEY is required');
    expect(() => loadNotesConfig({ NOTES_KEY: '' })).toThrow('NOTES_KEY is required');
  });
});
