/**
 * COPY's text and CSV layouts, read as PostgreSQL's own COPY FROM reads them (copyfromparse.c:
 * CopyReadLineText, CopyReadAttributesText / CopyReadAttributesCSV) and written as COPY TO writes
 * them (CopyAttributeOutText / CopyAttributeOutCSV), so that the masker splits rows and fields
 * exactly where a client will.
 */
import type { CopyFormat } from '@portcullis/sql-analysis';
import type { ByteScratch } from './byte-scratch.js';
import { ResultMaskingError } from './result-masking-error.js';

const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;

/** Where a row scan stopped, carried from one CopyData message to the next. */
export interface ScanState {
  /** Text: the last byte was an unconsumed backslash. CSV: inside quotes. */
  open: boolean;
  /** CSV: the last byte was an escape inside quotes. */
  escaped: boolean;
  /** The row so far holds an escape (text) or a quote (CSV): its fields must be decoded. */
  special: boolean;
}

/** The fields of one row, in reused arrays: raw byte ranges, and whether each must be decoded / was quoted. */
export class Fields {
  count = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Text: holds an escape. CSV: was quoted (then never NULL). */
  readonly special: boolean[] = [];

  add(start: number, end: number, special: boolean): void {
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.special[this.count] = special;
    this.count++;
  }
}

export interface CopyDialect {
  /** Index of the LF ending the row that continues at `from`, or -1 (the state says where it stopped). */
  scan(buf: Buffer, from: number, end: number, state: ScanState): number;
  /** Splits the row `buf[start, end)` (without its LF). */
  split(buf: Buffer, start: number, end: number, out: Fields): void;
  /** Whether field `i` is NULL: its raw bytes are the NULL string (CSV: and it was not quoted). */
  isNull(buf: Buffer, fields: Fields, i: number): boolean;
  /** The value of a special field, decoded into the scratch. */
  decode(buf: Buffer, start: number, end: number, out: ByteScratch): void;
  /** A non-NULL value as this layout writes it. */
  encode(value: string): Buffer;
  /** How NULL is written. */
  readonly nullBytes: Buffer;
}

export function copyDialect(format: CopyFormat): CopyDialect {
  if (format.format === 'text') return new TextDialect(format);
  if (format.format === 'csv') return new CsvDialect(format);
  throw new Error('binary COPY has no delimited layout');
}

function malformed(message: string): ResultMaskingError {
  return new ResultMaskingError('COPY_MALFORMED', message);
}

class TextDialect implements CopyDialect {
  readonly nullBytes: Buffer;
  private readonly delimiter: number;

  constructor(format: CopyFormat) {
    this.nullBytes = Buffer.from(format.null, 'utf8');
    this.delimiter = format.delimiter.charCodeAt(0);
  }

  // A backslash takes the next byte with it, newline included, as PostgreSQL's reader does.
  scan(buf: Buffer, from: number, end: number, state: ScanState): number {
    let i = from;
    if (state.open) {
      if (i >= end) return -1;
      state.open = false;
      i++;
    }
    for (; i < end; i++) {
      const byte = buf[i]!;
      if (byte === BACKSLASH) {
        state.special = true;
        if (++i >= end) {
          state.open = true;
          return -1;
        }
      } else if (byte === LF) {
        return i;
      } else if (byte === CR) {
        // COPY TO writes \r escaped; a raw one a client could take for a line end.
        throw malformed('COPY text data holds a raw carriage return');
      }
    }
    return -1;
  }

  split(buf: Buffer, start: number, end: number, out: Fields): void {
    out.count = 0;
    let fieldStart = start;
    let escaped = false;
    for (let i = start; i < end; i++) {
      const byte = buf[i]!;
      if (byte === BACKSLASH) {
        escaped = true;
        i++;
      } else if (byte === this.delimiter) {
        out.add(fieldStart, i, escaped);
        fieldStart = i + 1;
        escaped = false;
      }
    }
    out.add(fieldStart, end, escaped);
  }

  isNull(buf: Buffer, fields: Fields, i: number): boolean {
    return rangeEquals(buf, fields.starts[i]!, fields.ends[i]!, this.nullBytes);
  }

  /** CopyReadAttributesText: \b \f \n \r \t \v, octal \NNN, hex \xHH, any other byte itself. */
  decode(buf: Buffer, start: number, end: number, out: ByteScratch): void {
    out.reset();
    for (let i = start; i < end; i++) {
      let byte = buf[i]!;
      if (byte !== BACKSLASH) {
        out.push(byte);
        continue;
      }
      if (++i >= end) break; // a trailing backslash is dropped, as PostgreSQL drops it
      byte = buf[i]!;
      if (byte >= 0x30 && byte <= 0x37) {
        let value = byte - 0x30;
        for (let n = 0; n < 2 && i + 1 < end && buf[i + 1]! >= 0x30 && buf[i + 1]! <= 0x37; n++) value = value * 8 + (buf[++i]! - 0x30);
        out.push(value & 0xff);
      } else if (byte === 0x78 && i + 1 < end && hexValue(buf[i + 1]!) >= 0) {
        let value = hexValue(buf[++i]!);
        if (i + 1 < end && hexValue(buf[i + 1]!) >= 0) value = value * 16 + hexValue(buf[++i]!);
        out.push(value);
      } else {
        out.push(TEXT_ESCAPES[byte] ?? byte);
      }
    }
  }

  /** CopyAttributeOutText. */
  encode(value: string): Buffer {
    const bytes = Buffer.from(value, 'utf8');
    const out: number[] = [];
    for (const byte of bytes) {
      const letter = TEXT_ESCAPE_LETTERS[byte];
      if (letter !== undefined) out.push(BACKSLASH, letter);
      else if (byte === BACKSLASH || byte === this.delimiter) out.push(BACKSLASH, byte);
      else out.push(byte);
    }
    return Buffer.from(out);
  }
}

const TEXT_ESCAPES: Readonly<Record<number, number>> = { 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x76: 0x0b };
const TEXT_ESCAPE_LETTERS: Readonly<Record<number, number>> = Object.fromEntries(Object.entries(TEXT_ESCAPES).map(([letter, byte]) => [byte, Number(letter)]));

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

class CsvDialect implements CopyDialect {
  readonly nullBytes: Buffer;
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly escape: number;

  constructor(format: CopyFormat) {
    this.nullBytes = Buffer.from(format.null, 'utf8');
    this.delimiter = format.delimiter.charCodeAt(0);
    this.quote = format.quote.charCodeAt(0);
    this.escape = format.escape.charCodeAt(0);
  }

  /** CopyReadLineText in CSV mode: a newline ends the row outside quotes only. */
  scan(buf: Buffer, from: number, end: number, state: ScanState): number {
    const { quote } = this;
    // As in PostgreSQL: an escape equal to the quote is no escape, doubling is a toggle twice.
    const escape = this.escape === quote ? -1 : this.escape;
    let { open: inQuote, escaped } = state;
    for (let i = from; i < end; i++) {
      const byte = buf[i]!;
      if (inQuote && byte === escape) escaped = !escaped;
      if (byte === quote && !escaped) {
        inQuote = !inQuote;
        state.special = true;
      }
      if (byte !== escape) escaped = false;
      if (!inQuote && byte === LF) {
        state.open = false;
        state.escaped = false;
        return i;
      }
      if (!inQuote && byte === CR) throw malformed('COPY CSV data holds a carriage return outside quotes');
    }
    state.open = inQuote;
    state.escaped = escaped;
    return -1;
  }

  /** CopyReadAttributesCSV: quotes may open and close anywhere in a field. */
  split(buf: Buffer, start: number, end: number, out: Fields): void {
    out.count = 0;
    let i = start;
    for (;;) {
      const fieldStart = i;
      let quoted = false;
      let inQuote = false;
      for (; i < end; i++) {
        const byte = buf[i]!;
        if (inQuote) {
          if (byte === this.escape && i + 1 < end && (buf[i + 1] === this.escape || buf[i + 1] === this.quote)) i++;
          else if (byte === this.quote) inQuote = false;
        } else if (byte === this.delimiter) {
          break;
        } else if (byte === this.quote) {
          quoted = true;
          inQuote = true;
        }
      }
      if (inQuote) throw malformed('COPY CSV data holds an unterminated quoted field');
      out.add(fieldStart, i, quoted);
      if (i >= end) return;
      i++; // past the delimiter
    }
  }

  isNull(buf: Buffer, fields: Fields, i: number): boolean {
    return !fields.special[i] && rangeEquals(buf, fields.starts[i]!, fields.ends[i]!, this.nullBytes);
  }

  decode(buf: Buffer, start: number, end: number, out: ByteScratch): void {
    out.reset();
    let inQuote = false;
    for (let i = start; i < end; i++) {
      const byte = buf[i]!;
      if (inQuote) {
        if (byte === this.escape && i + 1 < end && (buf[i + 1] === this.escape || buf[i + 1] === this.quote)) out.push(buf[++i]!);
        else if (byte === this.quote) inQuote = false;
        else out.push(byte);
      } else if (byte === this.quote) {
        inQuote = true;
      } else {
        out.push(byte);
      }
    }
  }

  /** Always quoted: a quoted field is never read as NULL, whatever the NULL string. */
  encode(value: string): Buffer {
    const bytes = Buffer.from(value, 'utf8');
    const out: number[] = [this.quote];
    for (const byte of bytes) {
      if (byte === this.quote || byte === this.escape) out.push(this.escape);
      out.push(byte);
    }
    out.push(this.quote);
    return Buffer.from(out);
  }
}

function rangeEquals(buf: Buffer, start: number, end: number, expected: Buffer): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[start + i] !== expected[i]) return false;
  return true;
}
