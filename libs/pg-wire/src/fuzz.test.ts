import { describe, expect, it } from 'vitest';
import * as wire from './index.js';
import { typedFrame } from './wire.test-support.js';

/** mulberry32: a small seeded PRNG, so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS_TYPED: Buffer[] = [
  wire.authenticationOk(),
  wire.authenticationMd5Password(Buffer.from([1, 2, 3, 4])),
  wire.authenticationSasl(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']),
  wire.authenticationSaslContinue(Buffer.from('r=abcdef,s=c2FsdA==,i=16')),
  wire.parameterStatus('client_encoding', 'UTF8'),
  wire.backendKeyData(42, Buffer.from([1, 2, 3, 4])),
  wire.readyForQuery('T'),
  wire.errorResponse({ severity: 'ERROR', code: '42P01', message: 'relation does not exist', position: '15', hint: 'h' }),
  wire.noticeResponse({ severity: 'NOTICE', code: '00000', message: 'n' }),
  wire.rowDescription([{ name: 'a', typeOid: 23 }, { name: 'b', typeOid: 25, format: 1 }]),
  wire.dataRow([Buffer.from('1'), null, Buffer.from('two')]),
  wire.commandComplete('INSERT 0 1'),
  wire.copyInResponse(1, [1, 0]),
  wire.parameterDescription([23, 25]),
  wire.notificationResponse(1, 'c', 'p'),
  wire.negotiateProtocolVersion(0, ['_pq_.x']),
  wire.parseComplete(),
  wire.query('select 1'),
  wire.parse('s', 'select $1', [23]),
  wire.bind('p', 's', [1], [Buffer.from([0, 0, 0, 1]), null], [1]),
  wire.describe('S', 's'),
  wire.execute('p', 10),
  wire.close('P', 'p'),
  wire.copyData(Buffer.from('x\ty\n')),
  wire.copyFail('no'),
  wire.passwordMessage('md5abc'),
  wire.saslInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')),
  wire.sync(),
];
const SEEDS_UNTYPED: Buffer[] = [
  wire.startupMessage({ user: 'ada', database: 'app', application_name: 'psql' }),
  wire.sslRequest(),
  wire.gssencRequest(),
  wire.cancelRequest(7, Buffer.from([9, 9, 9, 9])),
];
const TYPE_LETTERS = [...new Set([...Object.values(wire.FRONTEND_TYPE_BYTES), ...Object.values(wire.BACKEND_TYPE_BYTES)])];

function mutate(seed: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const edits = 1 + pick(3);
  let bytes = out;
  for (let e = 0; e < edits; e++) {
    switch (pick(7)) {
      case 0: // flip a bit
        if (bytes.length) bytes[pick(bytes.length)]! ^= 1 << pick(8);
        break;
      case 1: // set a byte to an edge value
        if (bytes.length) bytes[pick(bytes.length)] = [0, 0xff, 0x7f, 0x80, 1][pick(5)]!;
        break;
      case 2: // truncate
        bytes = bytes.subarray(0, pick(bytes.length + 1));
        break;
      case 3: // append noise
        bytes = Buffer.concat([bytes, randomBytes(pick(12), rand)]);
        break;
      case 4: // overwrite an int32 with an edge value
        if (bytes.length >= 4) bytes.writeInt32BE([-1, -2, 0, 3, 4, 0x7fffffff, -0x80000000, 65535][pick(8)]!, pick(bytes.length - 3));
        break;
      case 5: // overwrite an int16 with an edge value
        if (bytes.length >= 2) bytes.writeUInt16BE([0, 1, 2, 0xffff, 0x8000, 0x7fff][pick(6)]!, pick(bytes.length - 1));
        break;
      default: // delete a slice
        if (bytes.length) {
          const at = pick(bytes.length);
          bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(4))]);
        }
    }
  }
  return bytes;
}

function randomBytes(n: number, rand: () => number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Runs `fn`; a PgWireError is an accepted outcome, anything else is recorded. */
function tolerate(failures: string[], what: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof wire.PgWireError)) failures.push(`${what}: ${String(err)}`);
    else if (!wire.PG_WIRE_ERROR_CODES.includes(err.code)) failures.push(`${what}: code ${err.code}`);
  }
}

function decodeEverything(frame: wire.Frame, failures: string[], what: string): void {
  tolerate(failures, `${what} decodeFrontend`, () => wire.decodeFrontend(frame));
  tolerate(failures, `${what} decodeBackend`, () => {
    const message = wire.decodeBackend(frame);
    if (message.type === 'ErrorResponse' || message.type === 'NoticeResponse') wire.noticeFields(message.fields);
  });
  tolerate(failures, `${what} dataRowValues`, () => wire.dataRowValues(frame.payload));
  tolerate(failures, `${what} decodeSaslInitialResponse`, () => wire.decodeSaslInitialResponse(frame.payload));
  tolerate(failures, `${what} decodePassword`, () => wire.decodePassword(frame.payload));
}

/** Frames `bytes` split at random points, decoding every frame; returns how many frames came out. */
function frameAndDecode(bytes: Buffer, startup: boolean, rand: () => number, failures: string[], what: string): void {
  const reader = new wire.MessageReader({ maxMessageBytes: 4096, startup });
  let pushed = 0;
  let frames = 0;
  try {
    while (pushed < bytes.length) {
      const n = 1 + Math.floor(rand() * (bytes.length - pushed));
      reader.push(bytes.subarray(pushed, pushed + n));
      pushed += n;
      for (let frame = reader.next(); frame; frame = reader.next()) {
        if (++frames > bytes.length) throw new Error('more frames than bytes: the reader does not advance');
        if (frame.type === 0) tolerate(failures, `${what} decodeStartup`, () => wire.decodeStartup(frame!));
        else decodeEverything(frame, failures, what);
      }
      if (reader.buffered > pushed) throw new Error('buffers more than was pushed');
    }
  } catch (err) {
    if (!(err instanceof wire.PgWireError)) failures.push(`${what} reader: ${String(err)}`);
  }
}

describe('fuzz: random and mutated messages', () => {
  it('decoders return a value or throw PgWireError, nothing else, and always finish', () => {
    const rand = prng(0x5eed);
    const failures: string[] = [];
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    for (let i = 0; i < 20_000; i++) {
      const what = `case ${i}`;
      switch (i % 4) {
        case 0: {
          // a stream of mutated typed messages, framed
          const stream = Buffer.concat([mutate(pick(SEEDS_TYPED), rand), pick(SEEDS_TYPED), mutate(pick(SEEDS_TYPED), rand)]);
          frameAndDecode(stream, false, rand, failures, what);
          break;
        }
        case 1: {
          // a mutated startup-phase message then typed ones
          frameAndDecode(Buffer.concat([mutate(pick(SEEDS_UNTYPED), rand), pick(SEEDS_TYPED)]), true, rand, failures, what);
          break;
        }
        case 2: {
          // a mutated payload under a well-formed header, straight to the decoders
          const seed = pick(SEEDS_TYPED);
          decodeEverything(typedFrame(pick(TYPE_LETTERS), mutate(seed.subarray(5), rand)), failures, what);
          break;
        }
        default: {
          // noise
          const noise = randomBytes(Math.floor(rand() * 48), rand);
          decodeEverything(typedFrame(pick(TYPE_LETTERS), noise), failures, what);
          frameAndDecode(noise, rand() < 0.5, rand, failures, what);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('SCRAM client messages from a hostile server only ever throw PgWireError', () => {
    const rand = prng(0xc0ffee);
    const failures: string[] = [];
    const first = Buffer.from('r=abcdefXYZ,s=c2FsdA==,i=2');
    for (let i = 0; i < 1_000; i++) {
      const client = new wire.ScramSha256Client('pw', 'abcdef');
      client.clientFirstMessage();
      tolerate(failures, `case ${i} first`, () => client.handleServerFirst(mutate(first, rand)));
      tolerate(failures, `case ${i} final`, () => client.verifyServerFinal(mutate(Buffer.from('v=AAAA'), rand)));
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });
});
