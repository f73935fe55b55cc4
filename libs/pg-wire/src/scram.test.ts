import { describe, expect, it } from 'vitest';
import { md5PasswordMessage } from './md5.js';
import { PgWireError, type PgWireErrorCode } from './pg-wire-error.js';
import { saslprep } from './saslprep.js';
import { ScramSha256Client } from './scram.js';

// RFC 7677 section 3.
const RFC_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const RFC_SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const RFC_CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const RFC_SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

function fails(code: PgWireErrorCode, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PgWireError);
    expect((err as PgWireError).code).toBe(code);
    return (err as Error).message;
  }
  throw new Error('expected a PgWireError');
}

/** A client that has sent its first message, answered with a server-first message made from `attrs`. */
function afterServerFirst(attrs: string): () => Buffer {
  const client = new ScramSha256Client('pencil', 'abc');
  client.clientFirstMessage();
  return () => client.handleServerFirst(Buffer.from(attrs));
}

describe('ScramSha256Client', () => {
  it('computes the RFC 7677 test vector', () => {
    const client = new ScramSha256Client('pencil', RFC_NONCE, 'user');
    expect(client.clientFirstMessage().toString()).toBe(`n,,n=user,r=${RFC_NONCE}`);
    expect(client.handleServerFirst(Buffer.from(RFC_SERVER_FIRST)).toString()).toBe(RFC_CLIENT_FINAL);
    expect(() => client.verifyServerFinal(Buffer.from(RFC_SERVER_FINAL))).not.toThrow();
  });

  it('sends an empty user name and a fresh random nonce by default, as libpq does', () => {
    const a = new ScramSha256Client('pw').clientFirstMessage().toString();
    const b = new ScramSha256Client('pw').clientFirstMessage().toString();
    expect(a).toMatch(/^n,,n=,r=[A-Za-z0-9+/]{24}$/);
    expect(a).not.toBe(b);
  });

  it('refuses a server signature that does not match, in constant time', () => {
    const client = new ScramSha256Client('pencil', RFC_NONCE, 'user');
    client.clientFirstMessage();
    client.handleServerFirst(Buffer.from(RFC_SERVER_FIRST));
    const forged = `v=${Buffer.alloc(32, 1).toString('base64')}`;
    expect(fails('UNEXPECTED', () => client.verifyServerFinal(Buffer.from(forged)))).toMatch(/server signature does not match/);
  });

  it('refuses a short signature, an error from the server and a malformed final message', () => {
    const cases: [string, PgWireErrorCode, RegExp][] = [
      ['v=AAAA', 'UNEXPECTED', /does not match/],
      ['e=invalid-proof', 'UNEXPECTED', /refused the exchange \(invalid-proof\)/],
      ['e=<script>', 'UNEXPECTED', /unspecified error/],
      ['v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=1', 'MALFORMED', /expected attributes v/],
      ['v=not base64!', 'MALFORMED', /not printable|not base64/],
      ['', 'MALFORMED', /not printable ASCII/],
    ];
    for (const [final, code, message] of cases) {
      const client = new ScramSha256Client('pencil', RFC_NONCE, 'user');
      client.clientFirstMessage();
      client.handleServerFirst(Buffer.from(RFC_SERVER_FIRST));
      expect(fails(code, () => client.verifyServerFinal(Buffer.from(final))), final).toMatch(message);
    }
  });

  it('validates the server-first message', () => {
    expect(fails('UNEXPECTED', afterServerFirst('r=xyz123,s=c2FsdA==,i=4096'))).toMatch(/does not extend ours/);
    expect(fails('UNEXPECTED', afterServerFirst('r=abc,s=c2FsdA==,i=4096'))).toMatch(/does not extend ours/);
    expect(fails('UNEXPECTED', afterServerFirst('r=abcX,s=c2FsdA==,i=0'))).toMatch(/iteration count/);
    expect(fails('UNEXPECTED', afterServerFirst('r=abcX,s=c2FsdA==,i=10000001'))).toMatch(/1\.\.10000000/);
    expect(fails('UNEXPECTED', afterServerFirst('r=abcX,s=c2FsdA==,i=4096.5'))).toMatch(/iteration count/);
    expect(fails('UNEXPECTED', afterServerFirst('r=abcX,s=c2FsdA==,i=-1'))).toMatch(/iteration count/);
    expect(fails('UNEXPECTED', afterServerFirst('r=abcX,s=c2FsdA==,i=0x10'))).toMatch(/iteration count/);
    expect(fails('MALFORMED', afterServerFirst('r=abcX,s=c2FsdA=,i=4096'))).toMatch(/salt is not base64/);
    expect(fails('MALFORMED', afterServerFirst('r=abcX,s=,i=4096'))).toMatch(/salt is not base64/);
    expect(fails('MALFORMED', afterServerFirst('m=ext,r=abcX,s=c2FsdA==,i=4096'))).toMatch(/expected attributes r,s,i/);
    expect(fails('MALFORMED', afterServerFirst('r=abcX,s=c2FsdA==,i=4096,x=y'))).toMatch(/expected attributes/);
    expect(fails('MALFORMED', afterServerFirst('s=c2FsdA==,r=abcX,i=4096'))).toMatch(/expected attribute r at position 1/);
    expect(fails('MALFORMED', afterServerFirst('r=abc\u00e9,s=c2FsdA==,i=4096'))).toMatch(/not printable/);
  });

  it('runs its steps once each, in order', () => {
    const client = new ScramSha256Client('pencil', RFC_NONCE);
    expect(fails('UNEXPECTED', () => client.handleServerFirst(Buffer.from(RFC_SERVER_FIRST)))).toMatch(/out of order/);
    client.clientFirstMessage();
    expect(fails('UNEXPECTED', () => client.clientFirstMessage())).toMatch(/out of order/);
    expect(fails('UNEXPECTED', () => client.verifyServerFinal(Buffer.from(RFC_SERVER_FINAL)))).toMatch(/out of order/);
    const failed = afterServerFirst('r=zzz,s=c2FsdA==,i=1');
    fails('UNEXPECTED', failed);
    expect(fails('UNEXPECTED', failed)).toMatch(/state failed/);
  });

  it('refuses passwords it could not send faithfully and nonces with a comma', () => {
    fails('UNEXPECTED', () => new ScramSha256Client('a\0b'));
    fails('UNEXPECTED', () => new ScramSha256Client('a\ud800'));
    fails('UNEXPECTED', () => new ScramSha256Client('pw', 'a,b'));
    fails('UNEXPECTED', () => new ScramSha256Client('pw', ''));
  });
});

describe('saslprep, as PostgreSQL applies it', () => {
  it('leaves ASCII alone, control characters included (PostgreSQL skips SASLprep for ASCII)', () => {
    expect(saslprep('user')).toBe('user');
    expect(saslprep('USER')).toBe('USER');
    expect(saslprep('a\u0007b')).toBe('a\u0007b');
    expect(saslprep('')).toBe('');
  });

  it('maps and normalises (RFC 4013 section 3 examples)', () => {
    expect(saslprep('I\u00adX')).toBe('IX');
    expect(saslprep('\u00aa')).toBe('a');
    expect(saslprep('\u2168')).toBe('IX');
    expect(saslprep('a\u00a0b\u3000c')).toBe('a b c');
    expect(saslprep('e\u0301')).toBe('\u00e9');
    expect(saslprep('\ufb01x')).toBe('fix');
  });

  it('falls back to the raw password where SASLprep fails, as PostgreSQL does', () => {
    expect(saslprep('\u0627\u0031')).toBe('\u0627\u0031'); // RandALCat not at both ends
    expect(saslprep('\u0627a\u0627\u00aa')).toBe('\u0627a\u0627\u00aa'); // RandALCat with LCat
    expect(saslprep('\u0627\u0628')).toBe('\u0627\u0628');
    expect(saslprep('x\u0080\u00aa')).toBe('x\u0080\u00aa'); // C.2.2 control
    expect(saslprep('\ue000\u00aa')).toBe('\ue000\u00aa'); // private use
    expect(saslprep('\ufdd0\u00aa')).toBe('\ufdd0\u00aa'); // non-character
    expect(saslprep('\u0378\u00aa')).toBe('\u0378\u00aa'); // unassigned
    expect(saslprep('\u00ad')).toBe('\u00ad'); // empty once mapped
  });
});

describe('md5PasswordMessage', () => {
  it("is 'md5' + md5(hex(md5(password + user)) + salt)", () => {
    // printf 'passwordpostgres' | md5sum, then that hex followed by the salt bytes through md5sum.
    expect(md5PasswordMessage('postgres', 'password', Buffer.from([1, 2, 3, 4]))).toBe('md598511ceaec347a656f032c7f2a16ef17');
  });

  it('needs a 4-byte salt', () => {
    fails('UNEXPECTED', () => md5PasswordMessage('u', 'p', Buffer.alloc(3)));
  });
});
