import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SessionSeal, type SessionState } from './session-seal.js';

const state: SessionState = {
  id: 'b1f0c7e2-0000-4000-8000-000000000001',
  issuer: 'http://idp',
  subject: 'demo-agent',
  protocolVersion: '2025-11-25',
  clientInfo: { name: 'c', version: '1' },
  capabilities: { elicitation: {} },
  connection: undefined,
  upstreams: { 'demo-mcp': { sessionId: 'up-1', info: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'demo' } } } },
  expiresAt: 1_900_000_000_000,
};

describe('SessionSeal', () => {
  const key = randomBytes(32);

  it('opens what it sealed, with another instance holding the same key', () => {
    expect(new SessionSeal(Buffer.from(key)).open(new SessionSeal(key).seal(state))).toEqual(state);
  });

  it('seals the same state differently every time (no linkable ids)', () => {
    const seal = new SessionSeal(key);
    expect(seal.seal(state)).not.toBe(seal.seal(state));
  });

  it('opens nothing sealed under another key, altered, truncated or made up', () => {
    const sealed = new SessionSeal(key).seal(state);
    const other = new SessionSeal(randomBytes(32));
    const seal = new SessionSeal(key);
    expect(other.open(sealed)).toBeUndefined();
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[20] = flipped[20]! ^ 1;
    expect(seal.open(flipped.toString('base64url'))).toBeUndefined();
    expect(seal.open(sealed.slice(0, -4))).toBeUndefined();
    expect(seal.open('not-a-session')).toBeUndefined();
    expect(seal.open('')).toBeUndefined();
    expect(seal.open('a'.repeat(10_000))).toBeUndefined();
    expect(seal.open(`${sealed}=`)).toBeUndefined();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SessionSeal(randomBytes(16))).toThrow(/32 bytes/);
  });
});
