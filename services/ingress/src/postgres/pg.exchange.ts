import type { MaskingProfile } from '@portcullis/detectors';
import type { SqlTarget } from '@portcullis/request-model';
import type { BodyBudget, Delivery, Described, Exchange, Forwarded, Masked, Reply, ResponseInfo } from '../domain/exchange.js';
import type { NoticeInput } from '@portcullis/pg-wire';
import type { Decision } from '../domain/decision.js';
import type { ProtocolStatus } from '../domain/events.js';
import type { HeldNotice } from '../domain/ports.js';
import type { Refusal } from '../domain/refusal.js';
import { pgErrorFor } from './refusal.pg.js';
import type { StatementStream } from './statement-stream.js';

/** A statement's answer from the database, streamed to the client as it comes. */
export class PgReply implements Reply {
  profile: MaskingProfile | undefined;

  constructor(readonly stream: StatementStream) {}

  /** Rows are masked as they stream (the counts come with the delivery); here the profile is only noted. */
  mask(profile: MaskingProfile): Masked {
    this.profile = profile;
    return { ok: true, findings: {} };
  }
}

/** What the session does for an exchange: the wire side of forwarding and refusing. */
export interface StatementPort {
  /** Sends the statement to the database, once what masking it needs is ready; or why it cannot be. */
  forward(exchange: PgExchange, masking: MaskingProfile | undefined): Promise<{ ok: true; stream: StatementStream } | { ok: false; refusal: Refusal }>;
  /** A statement of the session is masked with this profile. */
  masked(profile: MaskingProfile): void;
  /** A NoticeResponse to the client now (notices may arrive at any time). */
  notice(fields: NoticeInput<'NOTICE'>): void;
  /** The refusal in the client's protocol, in its place among the answers; FATAL ends the session. */
  refuse(exchange: PgExchange, reason: Refusal, info: Partial<ResponseInfo>, stream: StatementStream | undefined): void;
}

/**
 * One decided request of a PostgreSQL session: a simple Query (a batch of statements, decided
 * together) or an extended-protocol Execute of a bound portal (its statement with its parameters).
 * `settled` resolves as soon as the flow has committed the request to an outcome (sent with its
 * masking armed, or refused), so that the session reads the client's next message only then and
 * the database receives every message in the client's order.
 */
export class PgExchange implements Exchange<PgReply> {
  readonly protocol = 'sql' as const;
  readonly settled: Promise<void>;
  private markSettled!: () => void;
  private readonly aborter = new AbortController();
  private stream: StatementStream | undefined;

  constructor(
    private readonly port: StatementPort,
    readonly connection: string,
    readonly kind: 'query' | 'execute',
    readonly target: SqlTarget,
    private readonly shape: string | undefined,
    /** The client's message as received, forwarded byte for byte. */
    readonly raw: Buffer,
    /** Execute: the portal it runs. */
    readonly portal?: string,
  ) {
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  get gone(): AbortSignal {
    return this.aborter.signal;
  }

  /** The session ended (reason undefined) or the client cancelled (CANCELLED). */
  abort(reason?: string): void {
    this.aborter.abort(reason);
  }

  /** The statement is decided on what was read; the message stays in memory until it is answered. */
  async describe(budget: BodyBudget): Promise<Described> {
    const refused = budget.reserve(this.raw.length);
    if (refused) return { ok: false, refusal: refused };
    return { ok: true, target: this.target, ...(this.shape !== undefined ? { shape: this.shape } : {}) };
  }

  async forward(info: { readonly masking?: MaskingProfile }): Promise<Forwarded<PgReply>> {
    const sent = await this.port.forward(this, info.masking);
    if (!sent.ok) return sent;
    this.stream = sent.stream;
    return { ok: true, reply: new PgReply(sent.stream) };
  }

  respond(reply: PgReply): Promise<Delivery> {
    reply.stream.arm(reply.profile);
    if (reply.profile) this.port.masked(reply.profile);
    this.markSettled();
    return reply.stream.done;
  }

  /** psql and drivers show notices as they arrive: the caller learns the statement waits, and for whom. */
  held(notice: HeldNotice, decision: Decision): void {
    const groups = decision.approval?.approverGroups.join(', ') ?? '';
    const seconds = Math.max(0, Math.round((notice.expiresAt.getTime() - Date.now()) / 1000));
    this.port.notice({
      severity: 'NOTICE',
      code: '00000',
      message: `portcullis: statement held for approval${groups ? ` by ${groups}` : ''} (hold ${notice.holdId}, expires in ${seconds} s)`,
      ...(decision.message ? { detail: decision.message } : {}),
      hint: 'it runs when approved and fails with 42501 if denied or expired; cancel (Ctrl-C) withdraws it',
    });
  }

  refuse(reason: Refusal, info: Partial<ResponseInfo>): ProtocolStatus {
    this.port.refuse(this, reason, info, this.stream);
    this.markSettled();
    return { sqlstate: pgErrorFor(reason.code).code };
  }
}
