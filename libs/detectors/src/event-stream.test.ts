import { describe, expect, it } from 'vitest';
import { errorCode } from '@portcullis/errors';
import { eventStreamMasker } from './event-stream.js';
import type { MaskingProfile } from './masking.types.js';
import { valueMasker } from './value-masker.js';

const profile: MaskingProfile = { name: 'sse', detectors: ['email', 'card'], fields: ['password'], columns: [], styles: { card: 'redact', email: 'redact' } };
const masker = valueMasker(profile);
const CARD = '4111 1111 1111 1111';
const MAIL = 'jo@example.com';

/** The stream pushed in the chunks given, then ended; the output as text. */
function run(chunks: readonly Uint8Array[], maxEventBytes = 1 << 16): { out: string; findings: Record<string, number> } {
  const stream = eventStreamMasker(masker, { maxEventBytes });
  const parts = chunks.map((chunk) => stream.push(chunk));
  parts.push(stream.end());
  return { out: Buffer.concat(parts).toString('utf8'), findings: { ...stream.findings } };
}
const whole = (text: string, maxEventBytes?: number) => run([Buffer.from(text, 'utf8')], maxEventBytes);
const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
  } catch (err) {
    return errorCode(err);
  }
  return undefined;
};

describe('eventStreamMasker', () => {
  it.each<[string, string, string]>([
    ['a card in text data', `data: pay ${CARD} now\n\n`, 'data: pay [REDACTED:card] now\n\n'],
    ['an address in text data', `data: ${MAIL}\n\n`, 'data: [REDACTED:email]\n\n'],
    ['JSON data: detectors and field rules', `data: {"password":"hunter2","e":"${MAIL}","n":1}\n\n`, 'data: {"password":"[REDACTED]","e":"[REDACTED:email]","n":1}\n\n'],
    ['JSON data split over data lines: the field rule still applies', 'data: {"password":\ndata: "hunter2"}\n\n', 'data: {"password":"[REDACTED]"}\n\n'],
    ['a JSON string split over data lines between tokens', `data: ["a",\ndata: "${MAIL}"]\n\n`, 'data: ["a","[REDACTED:email]"]\n\n'],
    ['clean JSON is sent as it was (formatting kept)', 'data: { "a" : 1 }\n\n', 'data: { "a" : 1 }\n\n'],
    ['OpenAI-style stream end', 'data: [DONE]\n\n', 'data: [DONE]\n\n'],
    ['multi-line text data keeps its lines', `data: line one\ndata: ${CARD}\ndata: line three\n\n`, 'data: line one\ndata: [REDACTED:card]\ndata: line three\n\n'],
    ['an empty data line', 'data\n\n', 'data\n\n'],
    ['an empty data line in an event that is masked', `data\ndata: ${MAIL}\n\n`, 'data: \ndata: [REDACTED:email]\n\n'],
    ['a value without the space after the colon', `data:${MAIL}\n\n`, 'data: [REDACTED:email]\n\n'],
    ['a value starting with a space keeps it', 'data:  x\n\n', 'data:  x\n\n'],
    ['a comment', `: ${MAIL}\n\n`, ': [REDACTED:email]\n'],
    ['a comment without a space', `:${CARD}\n`, ':[REDACTED:card]\n'],
    ['id, event and retry', `id: ${MAIL}\nevent: ${CARD}\nretry: 4111111111111111\ndata: x\n\n`, 'id: [REDACTED:email]\nevent: [REDACTED:card]\nretry: [REDACTED:card]\ndata: x\n\n'],
    ['an event without data (its id still counts for the client)', 'id: 7\n\n', 'id: 7\n\n'],
    ['an unknown field is masked whole', `x-user: ${MAIL}\ndata: 1\n\n`, 'x-user: [REDACTED:email]\ndata: 1\n\n'],
    ['an unknown field named by a card', `${CARD}\ndata: 1\n\n`, '[REDACTED:card]\ndata: 1\n\n'],
    ['a clean event is sent as it came (but with LF line ends)', 'data:a\r\nid:1\r\ndata:  b\r\nevent:e\r\n\r\n', 'data:a\nid:1\ndata:  b\nevent:e\n\n'],
    ['in a masked event, fields keep their order and data lines go together', `data: a\nid: 1\ndata: ${MAIL}\nevent: e\n\n`, 'data: a\ndata: [REDACTED:email]\nid: 1\nevent: e\n\n'],
    ['CRLF line ends', `data: ${MAIL}\r\ndata: b\r\n\r\n`, 'data: [REDACTED:email]\ndata: b\n\n'],
    ['CR line ends', `data: ${MAIL}\rdata: b\r\r`, 'data: [REDACTED:email]\ndata: b\n\n'],
    ['mixed line ends', `data: a\r\ndata: b\rdata: c\n\r\n`, 'data: a\ndata: b\ndata: c\n\n'],
    ['blank lines between events are not repeated', 'data: a\n\n\n\n\rdata: b\n\n', 'data: a\n\ndata: b\n\n'],
    ['a leading BOM is dropped', `\ufeffdata: ${MAIL}\n\n`, 'data: [REDACTED:email]\n\n'],
    ['a second BOM is data', '\ufeffdata: \ufeffx\n\n', 'data: \ufeffx\n\n'],
    ['non-ASCII text', `data: café 💳 ${CARD} ✓\n\n`, 'data: café 💳 [REDACTED:card] ✓\n\n'],
    ['an unterminated final event is masked and sent without its blank line', `data: a\n\ndata: ${MAIL}`, 'data: a\n\ndata: [REDACTED:email]\n'],
    ['an unterminated final event ending in a line break', `data: ${MAIL}\n`, 'data: [REDACTED:email]\n'],
  ])('%s', (_name, input, expected) => {
    expect(whole(input).out).toBe(expected);
  });

  it('counts findings per detector and field rule', () => {
    const { findings } = whole(`data: {"password":"x","e":"${MAIL}"}\n\n: ${CARD}\ndata: ${CARD} ${MAIL}\n\n`);
    expect(findings).toEqual({ field: 1, email: 2, card: 2 });
  });

  // A small stream with every awkward part: a BOM, multi-byte UTF-8 (2, 3 and 4 bytes), CRLF and
  // lone CR line ends, comments, JSON over two data lines, an id and an unterminated last event.
  const SMALL = `\ufeff: hi ${MAIL}\r\nid: é1\rdata: {"password":\r\ndata: "x", "c": "${CARD}"}\r\n\r\ndata: 💳 ${MAIL}\n\nevent: ✓\rdata: [DONE]\r\rdata: tail ${CARD}`;
  const SMALL_MASKED =
    ': hi [REDACTED:email]\nid: é1\ndata: {"password":"[REDACTED]","c":"[REDACTED:card]"}\n\ndata: 💳 [REDACTED:email]\n\nevent: ✓\ndata: [DONE]\n\ndata: tail [REDACTED:card]\n';

  it('masks the small stream whole', () => {
    expect(whole(SMALL).out).toBe(SMALL_MASKED);
  });

  it('gives the same output whatever the chunk boundaries: every split point, every pair of split points, byte by byte', () => {
    const bytes = Buffer.from(SMALL, 'utf8');
    for (let i = 0; i <= bytes.length; i++) {
      expect(run([bytes.subarray(0, i), bytes.subarray(i)]).out, `split at ${i}`).toBe(SMALL_MASKED);
    }
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const { out } = run([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        if (out !== SMALL_MASKED) expect(out, `splits at ${i} and ${j}`).toBe(SMALL_MASKED);
      }
    }
    expect(run([...bytes].map((byte) => Uint8Array.of(byte))).out).toBe(SMALL_MASKED);
  });

  it('sends each event as soon as it is complete, never holding the stream', () => {
    const stream = eventStreamMasker(masker, { maxEventBytes: 256 });
    const events = 2000; // ~100 KB in all, far over maxEventBytes: only one event is ever held
    for (let n = 0; n < events; n++) {
      const event = Buffer.from(`id: ${n}\ndata: {"n":${n},"e":"${MAIL}"}\n\n`);
      const third = Math.floor(event.length / 3);
      expect(stream.push(event.subarray(0, third)).length).toBe(0);
      expect(stream.push(event.subarray(third, 2 * third)).length).toBe(0);
      expect(stream.push(event.subarray(2 * third)).toString()).toBe(`id: ${n}\ndata: {"n":${n},"e":"[REDACTED:email]"}\n\n`);
    }
    expect(stream.end().length).toBe(0);
    expect(stream.findings).toEqual({ email: events });
  });

  it('sends a comment at once (keep-alives keep working), before the event it sits in', () => {
    const stream = eventStreamMasker(masker, { maxEventBytes: 256 });
    expect(stream.push(Buffer.from('data: a\n: ping\n')).toString()).toBe(': ping\n');
    expect(stream.push(Buffer.from('\n')).toString()).toBe('data: a\n\n');
  });

  it('refuses an event over maxEventBytes, whether its lines are complete or not', () => {
    expect(codeOf(() => whole(`data: ${'x'.repeat(100)}\n\n`, 64))).toBe('TOO_LARGE');
    expect(codeOf(() => whole(`data: a\n`.repeat(20) + '\n', 64))).toBe('TOO_LARGE');
    const stream = eventStreamMasker(masker, { maxEventBytes: 64 });
    stream.push(Buffer.from('data: '));
    // A line that never ends is refused as it grows, not when it ends.
    expect(codeOf(() => stream.push(Buffer.alloc(100, 0x61)))).toBe('TOO_LARGE');
    expect(codeOf(() => stream.push(Buffer.from('\n\n')))).toBe('MASKING_FAILED');
    expect(codeOf(() => stream.end())).toBe('MASKING_FAILED');
    // Just under the bound passes; the bound counts UTF-8 bytes.
    expect(whole(`data: ${'x'.repeat(50)}\n\n`, 64).out).toBe(`data: ${'x'.repeat(50)}\n\n`);
    expect(codeOf(() => whole(`data: ${'é'.repeat(30)}\n\n`, 64))).toBe('TOO_LARGE');
  });

  it('refuses invalid UTF-8, also when it is split over chunks or cut off at the end', () => {
    expect(codeOf(() => run([Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a])]))).toBe('INVALID_ENCODING');
    expect(codeOf(() => run([Buffer.from('data: \xc3', 'latin1'), Buffer.from('(\n\n')]))).toBe('INVALID_ENCODING');
    expect(codeOf(() => run([Buffer.from('data: \xed\xa0\x80\n\n', 'latin1')]))).toBe('INVALID_ENCODING');
    expect(codeOf(() => run([Buffer.from('data: x\n\ndata: \xe2\x82', 'latin1')]))).toBe('INVALID_ENCODING');
    expect(codeOf(() => run([Buffer.from('\xff\xfed\x00', 'latin1')]))).toBe('INVALID_ENCODING');
  });

  it('refuses NULs (UTF-16 read as UTF-8 looks like this; a client dropping NULs would read the digits)', () => {
    expect(codeOf(() => whole(`data: ${[...'4111111111111111'].join('\0')}\n\n`))).toBe('INVALID_ENCODING');
    expect(codeOf(() => run([Buffer.from('data: x'), Buffer.from('\0\n\n')]))).toBe('INVALID_ENCODING');
  });

  it('refuses data it cannot mask (JSON too deep to re-serialise), never passing it through', () => {
    const deep = '['.repeat(20_000) + `"${MAIL}"` + ']'.repeat(20_000);
    let out: string | undefined;
    const code = codeOf(() => (out = whole(`data: ${deep}\n\n`, 1 << 20).out));
    if (code === undefined) expect(out).not.toContain(MAIL);
    else expect(['MASKING_FAILED', 'INVALID_JSON']).toContain(code);
  });

  it('masks what the data lines spell only together as one value', () => {
    // The value is "...\n..." for the client: a JSON document over lines, masked as JSON.
    expect(whole('data: {\ndata:   "password": "x"\ndata: }\n\n').out).toBe('data: {"password":"[REDACTED]"}\n\n');
  });

  it('refuses data that opens like JSON but does not parse when the profile has field rules (read as text, the rules would miss it)', () => {
    for (const data of ['{"password":"hunter2"', '{"password":"hunter2",}']) {
      expect(codeOf(() => whole(`data: ${data}\n\n`))).toBe('INVALID_JSON');
    }
  });
});
