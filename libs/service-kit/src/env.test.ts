import { describe, expect, it } from 'vitest';
import { EnvError, address, hostPort, integer, oneOf, readEnv, url } from './env.js';

describe('readEnv', () => {
  const spec = { A: address('127.0.0.1:1'), U: url(undefined, ['nats:']), N: integer(5, 1, 10), L: oneOf(['info', 'debug'] as const, 'info') };

  it('applies defaults and parses values', () => {
    expect(readEnv({ U: 'nats://x:4222' }, spec)).toEqual({ A: { host: '127.0.0.1', port: 1 }, U: 'nats://x:4222', N: 5, L: 'info' });
    expect(readEnv({ U: 'nats://x', A: '[::1]:9' }, spec).A).toEqual({ host: '::1', port: 9 });
  });

  it('reports every bad variable at once', () => {
    try {
      readEnv({ A: 'nope', U: 'http://x', N: '11', L: 'loud' }, spec);
      throw new Error('expected EnvError');
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      expect((err as EnvError).problems).toEqual([
        'A: "nope" is not host:port',
        'U: must use nats:',
        'N: "11" must be an integer in [1, 10]',
        'L: "loud" must be one of info, debug',
      ]);
    }
  });

  it('names required variables that are missing', () => {
    expect(() => readEnv({}, spec)).toThrow(/U is required/);
  });

  it('formats addresses for gRPC', () => {
    expect(hostPort({ host: '::1', port: 5 })).toBe('[::1]:5');
    expect(hostPort({ host: '127.0.0.1', port: 5 })).toBe('127.0.0.1:5');
  });
});
