import { errorCode } from '@portcullis/errors';
import { isUtf8 } from 'node:buffer';
import type { Findings } from './findings.js';
import { MaskingError } from './masking-error.js';
import type { ValueMasker } from './value-masker.js';

/** A text/event-stream response masked event by event, as it streams. */
export interface EventStreamMasker {
  /**
   * Masks every complete event in what has arrived so far; returns the bytes to send now (maybe
   * empty). Throws MaskingError (INVALID_ENCODING, TOO_LARGE, MASKING_FAILED, ...) when an event
   * cannot be masked or exceeds maxEventBytes; the masker then refuses every later call.
   */
  push(chunk: Uint8Array): Buffer;
  /**
   * End of stream: the rest. An unterminated final event (no blank line after it) is masked and
   * sent as its lines without the blank line: a client following the spec discards it, as it would
   * have discarded the upstream's, and a client reading lines as they come sees what it would have
   * seen, masked. Throws MaskingError as push does (e.g. the stream ends inside a UTF-8 sequence).
   */
  end(): Buffer;
  /** Counts so far, per detector (and `field`). */
  readonly findings: Readonly<Record<string, number>>;
}

/** A line of the event being read: where it is (no line break), what it is, where its value starts. */
interface EventLine {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
  readonly kind: 'data' | 'event' | 'id' | 'retry' | 'other';
  readonly valueStart: number;
  /** Its line break is one LF, at `end` in the same buffer. */
  readonly lf: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const LF_BYTES = Buffer.from('\n');
const JSON_START = /^[\t\n\r ]*[{["\-0-9tfn]/;
const EMPTY = Buffer.alloc(0);
const FIELD_NAMES: readonly Exclude<EventLine['kind'], 'other'>[] = ['data', 'event', 'id', 'retry'];
const FIELD_NAME_BYTES = FIELD_NAMES.map((name) => [name, Buffer.from(name, 'latin1')] as const);
const ANY_LINE_BREAK = /\r\n|\r|\n/;
// A value JSON.parse may accept starts with one of these (after JSON whitespace).

/**
 * Masks a text/event-stream (WHATWG HTML, "event stream interpretation"): UTF-8, a leading BOM
 * dropped; lines end in CRLF, LF or CR; an event ends at a blank line. Invalid UTF-8 is refused,
 * and so is a NUL, as in every masked text (charset.ts).
 *
 * Every value is masked: the data of an event is its data lines joined by LF, masked as one value
 * (a value split over two data lines is still seen) as JSON when it parses as JSON (field rules
 * apply: `data: {...}` per event is how many APIs stream), else as text (`data: [DONE]`), and sent
 * again as data lines, one per line of the masked value. `event`, `id` and `retry` values and
 * comments are masked as text; a line of any other field, which clients ignore, is masked whole.
 * An event nothing in which can need masking (the masker's byte-level pre-checks, on each value as
 * the client reads it) is sent as its lines were; a masked one as `name: value` lines, which
 * clients read the same. Either way lines end in LF.
 *
 * Comments are sent as soon as their line is complete (keep-alive comments keep working); other
 * lines wait for the end of their event, which is bounded by maxEventBytes (fail closed). Lines are
 * split on bytes (CR and LF never occur inside a UTF-8 sequence) and validated as they complete.
 * The pre-checks are ValueMasker.mayMatch and jsonMayNeedMasking: they must stay sound (false only
 * when masking cannot change the value), or a clean-looking event would pass unread.
 */
export function eventStreamMasker(masker: ValueMasker, options: { readonly maxEventBytes: number }): EventStreamMasker {
  return new StreamMasker(masker, options.maxEventBytes);
}

class StreamMasker implements EventStreamMasker {
  readonly findings: Findings = {};
  /** The current line so far, in pieces of the chunks it came in. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** The last chunk ended in CR: an LF starting the next is the same line break. */
  private afterCr = false;
  /** No line read yet: a BOM starting the first one is dropped. */
  private first = true;
  private lines: EventLine[] = [];
  private eventBytes = 0;
  /** What the current call sends. */
  private out: Buffer[] = [];
  private failed = false;

  constructor(
    private readonly masker: ValueMasker,
    private readonly maxEventBytes: number,
  ) {}

  push(chunk: Uint8Array): Buffer {
    return this.guarded(() => this.feed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  }

  end(): Buffer {
    return this.guarded(() => {
      if (this.parts.length > 0) {
        const line = Buffer.concat(this.parts);
        this.parts = [];
        this.partsBytes = 0;
        validate(line, 0, line.length);
        this.line(line, 0, line.length, false);
      }
      this.dispatch(undefined);
    });
  }

  private guarded(work: () => void): Buffer {
    if (this.failed) throw new MaskingError('MASKING_FAILED', 'the event stream already failed to mask');
    try {
      work();
    } catch (err) {
      this.failed = true;
      throw masking(err);
    }
    const out = this.out;
    this.out = [];
    return out.length === 0 ? EMPTY : out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    if (this.afterCr && chunk[0] === LF) start = 1;
    this.afterCr = false;
    let nextLf = chunk.indexOf(LF, start);
    let nextCr = chunk.indexOf(CR, start);
    if (nextLf !== -1 || nextCr !== -1) {
      // The complete lines of this chunk are validated at once (a line break never sits inside a
      // UTF-8 sequence); a line begun in an earlier chunk is validated whole when it is complete.
      const firstBreak = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      const lastBreak = Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
      validate(chunk, this.parts.length > 0 ? firstBreak : start, lastBreak);
    }
    while (nextLf !== -1 || nextCr !== -1) {
      const end = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      let next = end + 1;
      if (chunk[end] === CR) {
        if (next === chunk.length) this.afterCr = true;
        else if (chunk[next] === LF) next++;
      }
      const lf = chunk[end] === LF;
      if (this.parts.length === 0) this.line(chunk, start, end, lf);
      else {
        const line = Buffer.concat([...this.parts, chunk.subarray(start, end)]);
        this.parts = [];
        this.partsBytes = 0;
        validate(line, 0, line.length);
        this.line(line, 0, line.length, false);
      }
      start = next;
      if (nextLf !== -1 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextCr !== -1 && nextCr < start) nextCr = chunk.indexOf(CR, start);
    }
    if (start < chunk.length) {
      this.parts.push(chunk.subarray(start));
      this.partsBytes += chunk.length - start;
      this.bound();
    }
  }

  /** One complete, valid line: `buffer[start, end)`, its line break one LF at `end` if `lf`. */
  private line(buffer: Buffer, lineStart: number, end: number, lf: boolean): void {
    let start = lineStart;
    if (this.first) {
      this.first = false;
      if (end - start >= 3 && buffer[start] === 0xef && buffer[start + 1] === 0xbb && buffer[start + 2] === 0xbf) start += 3;
    }
    if (start === end) return this.dispatch({ buffer, at: end, lf });
    if (buffer[start] === COLON) return this.comment(buffer, start, end, lf);
    this.eventBytes += end - start + 1;
    this.bound();
    let colon = buffer.indexOf(COLON, start);
    if (colon >= end) colon = -1;
    const nameEnd = colon === -1 ? end : colon;
    let valueStart = colon === -1 ? end : colon + 1;
    if (valueStart < end && buffer[valueStart] === SPACE) valueStart++;
    const kind = fieldKind(buffer, start, nameEnd);
    this.lines.push({ buffer, start, end, kind, valueStart, lf });
  }

  private comment(buffer: Buffer, start: number, end: number, lf: boolean): void {
    if (!this.masker.mayMatch(buffer, start + 1, end)) {
      if (lf) this.out.push(buffer.subarray(start, end + 1));
      else this.out.push(buffer.subarray(start, end), LF_BYTES);
      return;
    }
    const masked = this.masker.maskText(buffer.toString('utf8', start + 1, end), this.findings);
    this.out.push(Buffer.from(`:${singleLine(masked)}\n`, 'utf8'));
  }

  /** Counts the current line into the event's size; refuses an event that outgrows the bound. */
  private bound(): void {
    if (this.eventBytes + this.partsBytes > this.maxEventBytes) {
      throw new MaskingError('TOO_LARGE', `an event of the event stream exceeds ${this.maxEventBytes} bytes`);
    }
  }

  /**
   * The end of an event (at the blank line that ends it, or at the end of the stream): its lines,
   * masked, then the blank line.
   */
  private dispatch(blank: { readonly buffer: Buffer; readonly at: number; readonly lf: boolean } | undefined): void {
    const lines = this.lines;
    this.lines = [];
    this.eventBytes = 0;
    if (lines.length === 0) return;
    const data = dataOf(lines);
    const clean =
      (data === undefined || !this.masker.jsonMayNeedMasking(data.buffer, data.start, data.end)) &&
      lines.every((line) => line.kind === 'data' || !this.masker.mayMatch(line.buffer, line.kind === 'other' ? line.start : line.valueStart, line.end));
    if (!clean) {
      this.out.push(Buffer.from(this.masked(lines, data), 'utf8'));
      if (blank !== undefined) this.out.push(LF_BYTES);
      return;
    }
    // Sent as it came: in one piece when it came in one piece with LF line breaks.
    const firstLine = lines[0]!;
    if (blank !== undefined && blank.lf && contiguous(lines, blank.buffer, blank.at)) {
      this.out.push(blank.buffer.subarray(firstLine.start, blank.at + 1));
      return;
    }
    for (const line of lines) {
      if (line.lf) this.out.push(line.buffer.subarray(line.start, line.end + 1));
      else this.out.push(line.buffer.subarray(line.start, line.end), LF_BYTES);
    }
    if (blank !== undefined) this.out.push(LF_BYTES);
  }

  /** The event's lines masked, the data lines as one value at the first one's place. */
  private masked(lines: readonly EventLine[], data: DataValue | undefined): string {
    let out = '';
    let dataSent = false;
    for (const line of lines) {
      if (line.kind === 'data') {
        if (dataSent) continue;
        dataSent = true;
        const masked = this.maskData(data!.buffer.toString('utf8', data!.start, data!.end));
        if (!hasLineBreak(masked)) out += `data: ${masked}\n`;
        else for (const part of masked.split(ANY_LINE_BREAK)) out += `data: ${part}\n`;
      } else if (line.kind === 'other') {
        out += singleLine(this.masker.maskText(line.buffer.toString('utf8', line.start, line.end), this.findings)) + '\n';
      } else {
        out += `${line.kind}: ${singleLine(this.masker.maskText(line.buffer.toString('utf8', line.valueStart, line.end), this.findings))}\n`;
      }
    }
    return out;
  }

  /**
   * JSON data with field rules, else text — and data that opens like JSON but does not parse (or
   * nests too deep) is refused when the profile has field rules, as a body is: read as text, the
   * rules would not see `{"password":"hunter2"` at all.
   */
  private maskData(value: string): string {
    if (JSON_START.test(value)) {
      try {
        return this.masker.maskJson(value, this.findings); // compact when masked
      } catch (err) {
        if (errorCode(err) !== 'INVALID_JSON') throw err;
      }
    }
    return this.masker.maskJsonOrText(value, this.findings);
  }
}

/** The field a line's name `buffer[start, end)` names (compared as bytes: the names are ASCII and case-sensitive). */
function fieldKind(buffer: Buffer, start: number, end: number): EventLine['kind'] {
  for (const [name, bytes] of FIELD_NAME_BYTES) {
    if (end - start === bytes.length && buffer.compare(bytes, 0, bytes.length, start, end) === 0) return name;
  }
  return 'other';
}

/** Refuses invalid UTF-8 and NULs in `buffer[start, end)`. */
function validate(buffer: Buffer, start: number, end: number): void {
  if (start >= end) return;
  if (!isUtf8(start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end))) {
    throw new MaskingError('INVALID_ENCODING', 'event stream is not valid UTF-8');
  }
  // NULs are what UTF-16 read as UTF-8 looks like: a client dropping them reads "4\01\0..." as digits.
  const nul = buffer.indexOf(0, start);
  if (nul !== -1 && nul < end) throw new MaskingError('INVALID_ENCODING', 'event stream contains NUL characters (UTF-16?)');
}

/** Whether the lines sit one after the other in `buffer`, each ended by one LF, up to the blank line at `blankAt`. */
function contiguous(lines: readonly EventLine[], buffer: Buffer, blankAt: number): boolean {
  let expected = lines[0]!.start;
  for (const line of lines) {
    if (line.buffer !== buffer || line.start !== expected || !line.lf) return false;
    expected = line.end + 1;
  }
  return expected === blankAt;
}

interface DataValue {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
}

/** The event's data as the client reads it: its data lines' values joined by LF. */
function dataOf(lines: readonly EventLine[]): DataValue | undefined {
  let only: EventLine | undefined;
  let count = 0;
  for (const line of lines) {
    if (line.kind !== 'data') continue;
    only = line;
    count++;
  }
  if (only === undefined) return undefined;
  if (count === 1) return { buffer: only.buffer, start: only.valueStart, end: only.end };
  const values: Buffer[] = [];
  for (const line of lines) {
    if (line.kind !== 'data') continue;
    if (values.length > 0) values.push(LF_BYTES);
    values.push(line.buffer.subarray(line.valueStart, line.end));
  }
  const joined = Buffer.concat(values);
  return { buffer: joined, start: 0, end: joined.length };
}

/** A masked single-line value must stay one line: a line break would start a field of its own. */
function singleLine(masked: string): string {
  if (hasLineBreak(masked)) throw new MaskingError('MASKING_FAILED', 'a masked event stream value spans lines');
  return masked;
}

function hasLineBreak(text: string): boolean {
  return text.includes('\n') || text.includes('\r');
}

function masking(err: unknown): MaskingError {
  if (err instanceof MaskingError) return err;
  // e.g. JSON nested too deeply to re-serialise: still a refusal, never a pass-through.
  return new MaskingError('MASKING_FAILED', 'an event of the event stream could not be masked');
}
