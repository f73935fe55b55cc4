import { maskText, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import { dataRow, dataRowValues, decodeBackend, errorResponse, isErrorSeverity, isNoticeSeverity, noticeResponse, notificationResponse, type Frame, type NoticeInput, type NoticeSeverity, type RowField } from '@portcullis/pg-wire';
import type { Delivery } from '../domain/exchange.js';
import { Step, type Expectation } from './responses.js';
import type { CopyMasker } from './copy-masking.js';
import { rowMasker, type ResultColumn, type RowMasker } from './row-masking.js';

const T = 0x54; // RowDescription
const D = 0x44; // DataRow
const C = 0x43; // CommandComplete
const E = 0x45; // ErrorResponse
const I = 0x49; // EmptyQueryResponse
const S_ = 0x73; // PortalSuspended
const Z = 0x5a; // ReadyForQuery
const H = 0x48; // CopyOutResponse
const G = 0x47; // CopyInResponse
const W = 0x57; // CopyBothResponse
const d = 0x64; // CopyData
const c = 0x63; // CopyDone

/** What a statement stream needs of its session. */
export interface StreamHost {
  /** Writes to the client (with backpressure on the database). */
  send(data: Buffer): void;
  /** Result columns with their sources and type facts resolved from the catalog (needed only when masking). */
  resolveColumns(fields: readonly RawField[], profile: MaskingProfile, statementIndex: number): Promise<readonly ResultColumn[]>;
  /** Whether statement `index` of the request reads a column the profile redacts by rule. */
  readsRedacted(statementIndex: number, profile: MaskingProfile): boolean;
  /** The profile compiled once for the session. */
  valueMasker(profile: MaskingProfile): ValueMasker;
  /** A completed command tag (PREPARE, DEALLOCATE, DDL …) the session must learn from. */
  completed(statementIndex: number, tag: string): void;
  /** The transaction status the database reported. */
  readyForQuery(status: number): void;
  /** Masking cannot go on mid-result: the session ends (fail closed). */
  fail(message: string, detail: string): void;
}

/** A RowDescription field, as the database sent it. */
export type RawField = RowField;

/**
 * The database's answer to one decided request — a simple Query (to its ReadyForQuery) or an
 * Execute (to its CommandComplete, PortalSuspended or error) — relayed to the client message by
 * message. Rows are masked one by one before they are written, never buffered as a whole; until the
 * flow has said how to mask (`arm`), nothing is relayed. A withheld answer (refused after it was
 * sent) is discarded and replaced by the refusal.
 */
export class StatementStream implements Expectation {
  readonly done: Promise<Delivery>;
  private resolve!: (delivery: Delivery) => void;
  /** Resolved once the flow has said how to mask (or withheld the answer) and the masker is ready. */
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private isReady = false;
  private profile: MaskingProfile | undefined;
  private withheld: Buffer | undefined;
  private masker: RowMasker | undefined;
  private copy: CopyMasker | undefined;
  private readonly findings: Record<string, number> = {};
  private rows = 0;
  private bytes = 0;
  private statement = 0;
  private sqlstate = '00000';
  private readonly tags: string[] = [];
  /** The database entered COPY FROM STDIN for this request (it then ignores Sync and Flush). */
  enteredCopyIn = false;

  constructor(
    private readonly host: StreamHost,
    readonly extended: boolean,
    /** Execute: the portal's result columns as described (a RowDescription is not repeated). */
    private description: readonly RawField[] | undefined,
    /** COPY … TO STDOUT statements of the request, by index, with the maskers made before it was sent. */
    private readonly copies: ReadonlyMap<number, CopyMasker> = new Map(),
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  /** How to mask (undefined: no masking). Until then the database's messages wait, unrelayed. */
  arm(profile: MaskingProfile | undefined): void {
    this.profile = profile;
    this.setReady();
  }

  /** The result columns of an Execute, learnt from a Describe the gateway sent itself. */
  setDescription(fields: readonly RawField[] | undefined): void {
    this.description = fields;
  }

  private setReady(): void {
    this.isReady = true;
    this.markReady();
  }

  /** Refused after it was sent: the database's answer is dropped, the refusal goes in its place. */
  withhold(error: Buffer): void {
    this.withheld = error;
    if (!this.isReady) this.setReady();
  }

  accept(frame: Frame): Step | Promise<Step> {
    if (!this.isReady) return this.ready.then(() => this.accept(frame));
    const type = frame.type;
    if (this.withheld) return this.discard(type, frame);
    switch (type) {
      case D:
        return this.row(frame);
      case T:
        return this.rowDescription(frame);
      case C:
        return this.commandComplete(frame);
      case E:
        if (this.sqlstate === '00000') this.sqlstate = errorCode(frame);
        // An error can quote a value (a failed cast, RAISE EXCEPTION): masked like a notice, and its
        // text withheld when the statement reads a column a rule redacts (no detector may know it).
        this.relay(this.profile ? maskAsynchronous(frame, this.profile, this.findings, this.host.readsRedacted(this.statement, this.profile)) : frame);
        return this.extended ? this.finish(Step.Failed) : Step.More;
      case I:
        this.relay(frame);
        this.statement++;
        return this.extended ? this.finish(Step.Done) : Step.More;
      case S_:
        this.relay(frame);
        this.tags.push('(suspended)');
        return this.finish(Step.Done);
      case Z:
        if (this.extended) return this.unexpected(frame);
        this.host.readyForQuery(frame.payload[0] ?? 0);
        this.relay(frame);
        return this.finish(Step.Done);
      case H:
        return this.copyOut(frame);
      case d:
        return this.copyData(frame);
      case c:
        if (this.copy) {
          const rest = this.copy.end();
          if (rest.length > 0) this.relay(copyDataMessage(rest));
          this.copy = undefined;
        }
        this.relay(frame);
        return Step.More;
      case G:
        this.enteredCopyIn = true;
        this.relay(frame);
        return Step.More;
      case W:
        // Replication streams (CopyBoth) are never relayed: a decided statement cannot start one.
        this.host.fail('the database started a replication stream, which the gateway does not relay', 'CopyBothResponse');
        return this.finish(Step.Failed);
      default:
        return this.unexpected(frame);
    }
  }

  /** A NoticeResponse or NotificationResponse while this statement runs: masked with its profile. */
  asynchronous(frame: Frame): void {
    if (this.withheld) return;
    this.relay(this.profile ? maskAsynchronous(frame, this.profile, this.findings, this.host.readsRedacted(this.statement, this.profile)) : frame.raw);
  }

  /** The profile the flow armed this stream with (the session masks later notices with it). */
  get maskingProfile(): MaskingProfile | undefined {
    return this.profile;
  }

  skipped(): void {
    this.sqlstate = '25P02';
    this.resolveDelivery();
  }

  abandon(): void {
    this.sqlstate = '08006';
    this.resolveDelivery();
  }

  private row(frame: Frame): Step | Promise<Step> {
    if (this.profile && !this.masker) return this.prepareRows().then(() => (this.withheld ? Step.More : this.row(frame)));
    this.rows++;
    if (!this.masker?.active) {
      this.relay(frame);
      return Step.More;
    }
    const values = dataRowValues(frame.payload);
    let masked: readonly (Buffer | null)[];
    try {
      masked = this.masker.mask(values, this.findings);
    } catch (err) {
      this.host.fail('a row did not match its row description, so it cannot be masked', (err as Error).message);
      this.withheld = Buffer.alloc(0);
      return Step.More;
    }
    this.relay(masked === values ? frame.raw : dataRow(masked));
    return Step.More;
  }

  private rowDescription(frame: Frame): Step | Promise<Step> {
    const message = decodeBackend(frame);
    if (message.type !== 'RowDescription') return this.unexpected(frame);
    this.description = message.fields;
    this.masker = undefined;
    this.relay(frame);
    return Step.More;
  }

  private async prepareRows(): Promise<void> {
    const profile = this.profile!;
    try {
      if (!this.description) throw new Error('rows without a row description');
      this.masker = rowMasker(await this.host.resolveColumns(this.description, profile, this.statement), profile, this.host.valueMasker(profile));
    } catch (err) {
      this.host.fail('the gateway could not learn which columns the result holds, so it cannot mask it', (err as Error).message);
      this.withheld = Buffer.alloc(0);
    }
  }

  private commandComplete(frame: Frame): Step {
    const message = decodeBackend(frame);
    const tag = message.type === 'CommandComplete' ? message.tag : '';
    this.tags.push(tag);
    this.host.completed(this.statement, tag);
    this.statement++;
    this.masker = undefined;
    if (!this.extended) this.description = undefined;
    this.relay(frame);
    return this.extended ? this.finish(Step.Done) : Step.More;
  }

  private copyOut(frame: Frame): Step {
    if (this.profile) {
      const copy = this.copies.get(this.statement);
      if (!copy) {
        // Every COPY TO STDOUT was prepared before the request was sent: this one was not one.
        this.host.fail('the database sent COPY data for a statement the gateway did not read as COPY TO STDOUT', 'copy');
        this.withheld = Buffer.alloc(0);
        return Step.More;
      }
      this.copy = copy;
    }
    this.relay(frame);
    return Step.More;
  }

  private copyData(frame: Frame): Step {
    this.rows++;
    if (!this.copy) {
      this.relay(frame);
      return Step.More;
    }
    try {
      const masked = this.copy.push(frame.payload, this.findings);
      if (masked.length > 0) this.relay(copyDataMessage(masked));
    } catch (err) {
      this.host.fail('COPY output could not be masked', (err as Error).message);
      this.withheld = Buffer.alloc(0);
    }
    return Step.More;
  }

  private discard(type: number, frame: Frame): Step {
    const end = this.extended ? type === C || type === E || type === I || type === S_ : type === Z;
    if (!end) return Step.More;
    if (this.withheld!.length > 0) this.host.send(this.withheld!);
    if (type === Z) {
      this.host.readyForQuery(frame.payload[0] ?? 0);
      this.host.send(frame.raw);
    }
    // The database itself ran it: what it skips next depends on how it ended, not on the refusal.
    return this.finish(this.extended && type === E ? Step.Failed : Step.Done);
  }

  private unexpected(frame: Frame): Step {
    this.host.fail('the database sent a message out of order', `unexpected message type ${String.fromCharCode(frame.type)}`);
    return this.finish(Step.Failed);
  }

  private relay(frame: Frame | Buffer): void {
    const raw = Buffer.isBuffer(frame) ? frame : frame.raw;
    this.bytes += raw.length;
    this.host.send(raw);
  }

  private finish(step: Step.Done | Step.Failed): Step {
    this.resolveDelivery();
    return step;
  }

  private resolveDelivery(): void {
    this.resolve({ status: { sqlstate: this.sqlstate }, bytes: this.bytes, rows: this.rows, masked: { ...this.findings }, commandTags: [...this.tags] });
  }
}

function errorCode(frame: Frame): string {
  const message = decodeBackend(frame);
  return message.type === 'ErrorResponse' ? (message.fields.get('C') ?? 'XX000') : 'XX000';
}

function copyDataMessage(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + data.length);
  out[0] = d;
  out.writeInt32BE(4 + data.length, 1);
  data.copy(out, 5);
  return out;
}

/**
 * A NoticeResponse, ErrorResponse or NotificationResponse with its text (message, detail, hint; a notification's
 * payload) through the profile's detectors: a function can RAISE NOTICE or NOTIFY any value.
 */
export function maskAsynchronous(frame: Frame, profile: MaskingProfile, findings: Record<string, number>, withhold = false): Buffer {
  const message = decodeBackend(frame);
  const mask = (text: string) => maskCell(text, profile, findings);
  if (withhold && (message.type === 'ErrorResponse' || message.type === 'NoticeResponse')) {
    const code = message.fields.get('C') ?? 'XX000';
    const text = `the database's ${message.type === 'ErrorResponse' ? 'error' : 'notice'} text is withheld: the statement reads a column the masking profile redacts (SQLSTATE ${code})`;
    if (message.type === 'NoticeResponse') return noticeResponse({ severity: 'NOTICE', code, message: text });
    const severity = message.fields.get('V') ?? message.fields.get('S') ?? 'ERROR';
    return errorResponse({ severity: isErrorSeverity(severity) ? severity : 'ERROR', code, message: text });
  }
  if (withhold && message.type === 'NotificationResponse') return notificationResponse(message.processId, message.channel, '[REDACTED]');
  if (message.type === 'NoticeResponse') return noticeResponse(maskedNotice(message.fields, mask));
  if (message.type === 'ErrorResponse') {
    const { severity: _severity, ...fields } = maskedNotice(message.fields, mask);
    const severity = message.fields.get('V') ?? message.fields.get('S') ?? 'ERROR';
    return errorResponse({ ...fields, severity: isErrorSeverity(severity) ? severity : 'ERROR', code: message.fields.get('C') ?? 'XX000' });
  }
  if (message.type === 'NotificationResponse') return notificationResponse(message.processId, message.channel, mask(message.payload));
  return frame.raw;
}

/** Notice text fields that can carry data (message, detail, hint, context) go through the detectors. */
function maskedNotice(fields: ReadonlyMap<string, string>, mask: (text: string) => string): NoticeInput<NoticeSeverity> {
  const detail = fields.get('D');
  const hint = fields.get('H');
  const severity = fields.get('V') ?? fields.get('S') ?? 'NOTICE';
  return {
    severity: isNoticeSeverity(severity) ? severity : 'NOTICE',
    code: fields.get('C') ?? '00000',
    message: mask(fields.get('M') ?? ''),
    ...(detail !== undefined ? { detail: mask(detail) } : {}),
    ...(hint !== undefined ? { hint: mask(hint) } : {}),
  };
}

function maskCell(text: string, profile: MaskingProfile, findings: Record<string, number>): string {
  const result = maskText(text, profile);
  for (const [key, count] of Object.entries(result.findings)) findings[key] = (findings[key] ?? 0) + count;
  return result.text;
}

