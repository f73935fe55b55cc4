/**
 * Masks `COPY … TO STDOUT` data (the CopyData payloads) with a masking profile, in-process, before
 * it reaches the client. Rows are split and fields decoded exactly as PostgreSQL's COPY FROM reads
 * them (copy-formats.ts); a field that changes is written back in the same layout. It fails closed.
 *
 * | case                                                   | text format                         | CSV                                  |
 * | ------------------------------------------------------ | ----------------------------------- | ------------------------------------ |
 * | column whose source matches a column rule, whose name / source column is a field rule, or `derived` | `[REDACTED]` (escaped as needed) | `"[REDACTED]"` |
 * | any other field                                         | detectors on the decoded value (`\t`, `\n`, `\\`, octal, hex escapes); a match is replaced and re-escaped | detectors on the unquoted value; a match is replaced, quoted |
 * | NULL (`\N`, or the NULL string)                         | stays NULL                          | stays NULL (unquoted NULL string)    |
 * | a value that is not valid UTF-8                        | NULL                                | NULL                                 |
 * | the header line (HEADER)                               | passed through                      | passed through                       |
 *
 * Refused before any data flows (`{ ok: false }`, the proxy refuses the COPY): binary format when
 * the profile has any detector or rule (it cannot be read); an unknown column list when the
 * profile has column or field rules (nothing says which field is which); a NULL string the
 * detectors would mask (a value equal to it would pass as "NULL").
 * Stopped mid-stream (ResultMaskingError): a row over 64 MiB, data ending inside a row, data this
 * reader cannot split as a client would (a raw carriage return, an unterminated quote), or, with
 * column rules, a row whose field count is not the column list's.
 */
import { isUtf8 } from 'node:buffer';
import { REDACTED, valueMasker, type ColumnSource, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import type { CopyFormat } from '@portcullis/sql-analysis';
import { ByteScratch } from './byte-scratch.js';
import { copyDialect, Fields, type CopyDialect, type ScanState } from './copy-formats.js';
import { ResultMaskingError } from './result-masking-error.js';
import { COLUMN_FINDING, UNSCANNABLE_FINDING } from './row-masking.js';

export type { CopyFormat } from '@portcullis/sql-analysis';

/** A column of the COPY, in order: the statement's column list, or the table's or query's columns. */
export interface CopyColumn {
  readonly name: string;
  readonly source?: ColumnSource;
  /** Computed by a statement that reads a redacted column: redacted like it (as ResultColumn.derived). */
  readonly derived?: boolean;
}

export interface CopyMasker {
  /**
   * The masked complete rows of `data` (the same buffer when nothing changed); a partial row is
   * kept for the next push. Throws ResultMaskingError (COPY_ROW_TOO_LARGE, COPY_MALFORMED).
   */
  push(data: Buffer, findings: Record<string, number>): Buffer;
  /** At CopyDone: throws ResultMaskingError COPY_INCOMPLETE_ROW if a partial row is left. */
  end(): Buffer;
}

export const COPY_REFUSAL_CODES = ['COPY_BINARY', 'COPY_COLUMNS_UNKNOWN', 'COPY_NULL_STRING'] as const;
export type CopyRefusalCode = (typeof COPY_REFUSAL_CODES)[number];

export type CopyMaskerOutcome = { readonly ok: true; readonly masker: CopyMasker } | { readonly ok: false; readonly code: CopyRefusalCode; readonly message: string };

export const MAX_COPY_ROW_BYTES = 64 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/** Throws MaskingError (UNKNOWN_DETECTOR, INVALID_COLUMN_PATTERN) for a profile it cannot apply. */
export function copyMasker(
  columns: readonly CopyColumn[] | undefined,
  format: CopyFormat,
  profile: MaskingProfile,
  options: { readonly maxRowBytes?: number } = {},
): CopyMaskerOutcome {
  const masker = valueMasker(profile);
  const rules = masker.hasColumns || masker.hasFields;
  if (format.format === 'binary') {
    if (rules || masker.detects) return refusal('COPY_BINARY', 'binary COPY data cannot be masked; use the text or CSV format');
    return { ok: true, masker: PASS_THROUGH };
  }
  if (columns === undefined && rules) {
    return refusal('COPY_COLUMNS_UNKNOWN', 'the columns of this COPY are not known, so its column and field rules cannot be applied');
  }
  const redact = (columns ?? []).map((column) => column.derived === true || masker.redactsColumn(column.name, column.source));
  if (!masker.detects && !redact.includes(true)) return { ok: true, masker: PASS_THROUGH };
  if (masker.detects && masker.maskText(format.null, {}) !== format.null) {
    return refusal('COPY_NULL_STRING', 'the COPY NULL string looks like data the masking profile hides');
  }
  return { ok: true, masker: new DelimitedCopyMasker(copyDialect(format), masker, format.header, redact, options.maxRowBytes ?? MAX_COPY_ROW_BYTES) };
}

function refusal(code: CopyRefusalCode, message: string): CopyMaskerOutcome {
  return { ok: false, code, message };
}

/** Nothing to mask: the data is relayed as it came. */
const PASS_THROUGH: CopyMasker = { push: (data) => data, end: () => EMPTY };

class DelimitedCopyMasker implements CopyMasker {
  private readonly state: ScanState = { open: false, escaped: false, special: false };
  private readonly fields = new Fields();
  private readonly scratch = new ByteScratch();
  private readonly redacting: boolean;
  private readonly marker: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The data of the current push is valid UTF-8 as a whole, so every field in it is. */
  private dataValid = false;

  constructor(
    private readonly dialect: CopyDialect,
    private readonly masker: ValueMasker,
    private header: boolean,
    private readonly redact: readonly boolean[],
    private readonly maxRowBytes: number,
  ) {
    this.redacting = redact.includes(true);
    this.marker = dialect.encode(REDACTED);
  }

  push(data: Buffer, findings: Record<string, number>): Buffer {
    const out = new Output();
    let rowStart = 0;
    if (this.pending.length > 0) {
      const lf = this.dialect.scan(data, 0, data.length, this.state);
      if (lf === -1) {
        this.keep(data, 0);
        return EMPTY;
      }
      const row = Buffer.concat([...this.pending, data.subarray(0, lf + 1)]);
      this.pending = [];
      this.pendingBytes = 0;
      this.checkSize(row.length);
      out.begin(row, 0);
      this.dataValid = false;
      this.row(row, 0, row.length - 1, findings, out);
      out.finish(row.length);
      rowStart = lf + 1;
    }
    out.begin(data, rowStart);
    this.dataValid = this.masker.detects && isUtf8(rowStart === 0 ? data : data.subarray(rowStart));
    for (;;) {
      const lf = this.dialect.scan(data, rowStart, data.length, this.state);
      if (lf === -1) break;
      this.checkSize(lf + 1 - rowStart);
      this.row(data, rowStart, lf, findings, out);
      rowStart = lf + 1;
    }
    out.finish(rowStart);
    if (rowStart < data.length) this.keep(data, rowStart);
    return out.result();
  }

  end(): Buffer {
    if (this.pending.length > 0) throw new ResultMaskingError('COPY_INCOMPLETE_ROW', 'the COPY data ended inside a row');
    return EMPTY;
  }

  /** One complete row, `buf[start, end)` without its newline; the scan state describes it. */
  private row(buf: Buffer, start: number, end: number, findings: Record<string, number>, out: Output): void {
    const { special } = this.state;
    this.state.special = false;
    if (this.header) {
      this.header = false;
      return;
    }
    const { masker, dialect, fields } = this;
    if (!this.redacting && !special && !masker.mayMatch(buf, start, end) && (this.dataValid || isUtf8(buf.subarray(start, end)))) return;
    dialect.split(buf, start, end, fields);
    if (this.redacting && fields.count !== this.redact.length) {
      throw new ResultMaskingError('COPY_MALFORMED', `a COPY row has ${fields.count} fields for ${this.redact.length} columns`);
    }
    for (let i = 0; i < fields.count; i++) {
      if (dialect.isNull(buf, fields, i)) continue;
      const fieldStart = fields.starts[i]!;
      const fieldEnd = fields.ends[i]!;
      if (this.redact[i]) {
        out.replace(fieldStart, fieldEnd, this.marker);
        count(findings, COLUMN_FINDING);
        continue;
      }
      if (!masker.detects) continue;
      const masked = this.maskField(buf, fieldStart, fieldEnd, fields.special[i]!, findings);
      if (masked !== undefined) out.replace(fieldStart, fieldEnd, masked);
    }
  }

  /** The field's new bytes, or undefined when it stays. */
  private maskField(buf: Buffer, start: number, end: number, special: boolean, findings: Record<string, number>): Buffer | undefined {
    let bytes = buf;
    let from = start;
    let to = end;
    if (special) {
      this.dialect.decode(buf, start, end, this.scratch);
      bytes = this.scratch.bytes;
      from = 0;
      to = this.scratch.length;
    }
    if ((special || !this.dataValid) && !isUtf8(bytes.subarray(from, to))) {
      count(findings, UNSCANNABLE_FINDING);
      return this.dialect.nullBytes;
    }
    if (!this.masker.mayMatch(bytes, from, to)) return undefined;
    const text = bytes.toString('utf8', from, to);
    const masked = this.masker.maskText(text, findings);
    return masked === text ? undefined : this.dialect.encode(masked);
  }

  /** Keeps a partial row (copied: the caller may reuse its buffer). */
  private keep(data: Buffer, from: number): void {
    this.checkSize(this.pendingBytes + data.length - from);
    this.pending.push(Buffer.from(data.subarray(from)));
    this.pendingBytes += data.length - from;
  }

  private checkSize(bytes: number): void {
    if (bytes > this.maxRowBytes) {
      throw new ResultMaskingError('COPY_ROW_TOO_LARGE', `a COPY row is larger than ${this.maxRowBytes} bytes`);
    }
  }
}

/** The bytes to send: spans of the input kept as they are, with replacements between them. */
class Output {
  private readonly parts: Buffer[] = [];
  private buf: Buffer = EMPTY;
  private spanStart = 0;

  begin(buf: Buffer, start: number): void {
    this.buf = buf;
    this.spanStart = start;
  }

  replace(start: number, end: number, bytes: Buffer): void {
    if (start > this.spanStart) this.parts.push(this.buf.subarray(this.spanStart, start));
    this.parts.push(bytes);
    this.spanStart = end;
  }

  finish(end: number): void {
    if (end <= this.spanStart) return;
    this.parts.push(this.spanStart === 0 && end === this.buf.length ? this.buf : this.buf.subarray(this.spanStart, end));
  }

  result(): Buffer {
    if (this.parts.length === 0) return EMPTY;
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

function count(findings: Record<string, number>, kind: string): void {
  findings[kind] = (findings[kind] ?? 0) + 1;
}
