import type { Socket } from 'node:net';
import { valueMasker, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import {
  cancelRequest,
  decodeBackend,
  decodeFrontend,
  errorResponse,
  MessageReader,
  bind as bindMessage,
  flush as flushMessage,
  bindComplete,
  close as closeMessage,
  closeComplete,
  emptyQueryResponse,
  execute as executeMessage,
  parse as parseMessage,
  query as queryMessage,
  describe as describeMessage,
  readyForQuery,
  rowDescription,
  noticeResponse,
  type Format,
  type Frame,
  type NoticeInput,
} from '@portcullis/pg-wire';
import type { SqlParameter, SqlTarget } from '@portcullis/request-model';
import type { Logger } from '@portcullis/service-kit';
import type { ResponseInfo } from '../domain/exchange.js';
import type { SessionEndReason } from '../domain/events.js';
import { refusal, type Refusal } from '../domain/refusal.js';
import type { CopyMasker } from './copy-masking.js';
import { prepareCopies } from './copy-preparation.js';
import { CANCELLED, type RequestFlow } from '../domain/request-flow.js';
import type { Session } from '../domain/session.js';
import { PgExchange, type StatementPort } from './pg.exchange.js';
import { pgErrorFor, refusalFields } from './refusal.pg.js';
import { ResponseQueue, Step, type Expectation } from './responses.js';
import { maskAsynchronous, StatementStream, type RawField, type StreamHost } from './statement-stream.js';
import type { ResultColumn } from './row-masking.js';
import type { PgConnectionRuntime } from './pg.connection.js';
import { cancelUpstream, type UpstreamLogin } from './upstream.js';
import { Outbox } from './outbox.js';
import { SessionStatements, type Portal, type ProtocolStatement, type StatementFacts } from './session-statements.js';
import { readsRedactedColumn, redactionRules, type RedactionRules } from './derived-columns.js';

const Z = 0x5a;
const E = 0x45;
const N = 0x4e;
const A = 0x41;
const S = 0x53;
const T = 0x54;
const n = 0x6e;
const t = 0x74;

export interface PgSessionOptions {
  readonly maxMessageBytes: number;
  /** Client bytes read ahead while a statement waits for its decision; beyond it reading pauses. */
  readonly readAheadBytes: number;
}

/**
 * One client connection, after login: every client message is translated for the database in
 * order; each statement to run (a simple Query, an extended-protocol Execute) goes through the
 * request flow first, and only a decided one reaches the database. The database's answers are
 * matched to what was sent (ResponseQueue), masked and relayed; the gateway's own answers (a
 * refusal) take the place PostgreSQL would give them. The gateway remembers what each prepared
 * statement and portal runs, so an Execute is decided on its real statement and parameters.
 */
export class PgSession implements StatementPort {
  private readonly queue = new ResponseQueue();
  private readonly names: SessionStatements;
  private readonly inFlight = new Set<PgExchange>();
  /** After the gateway refused an extended-protocol message: client messages are dropped until Sync. */
  private skipping = false;
  private txStatus = 0x49; // 'I'
  /** ReadyForQuery messages the database (or the gateway in its place) owes / has sent. */
  private zOwed = 0;
  private zSeen = 0;
  private ended = false;
  private clientBusy = false;
  private upstreamBusy = false;
  private readonly upstream: Socket;
  private readonly upstreamReader: MessageReader;
  private readonly toClient: Outbox;
  private readonly toDatabase: Outbox;

  constructor(
    private readonly client: Socket,
    private readonly clientReader: MessageReader,
    private readonly login: UpstreamLogin,
    private readonly flow: RequestFlow,
    private readonly session: Session,
    private readonly target: PgConnectionRuntime,
    private readonly options: PgSessionOptions,
    private readonly logger: Logger,
    private readonly onEnd: () => void,
  ) {
    this.upstream = login.socket;
    this.upstreamReader = login.reader;
    this.toClient = new Outbox(client, () => this.upstream.pause());
    this.toDatabase = new Outbox(this.upstream, () => this.client.pause());
    this.names = new SessionStatements(target.analyzer, target.reader);
  }

  /** Starts relaying; resolves when the session has ended. */
  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.ended) return resolve();
      const finish = () => resolve();
      this.endedHook = finish;
      this.client.on('data', (chunk: Buffer) => this.fromClient(chunk));
      this.client.on('error', () => this.end('gone'));
      this.client.on('close', () => this.end('gone'));
      this.upstream.on('data', (chunk: Buffer) => this.fromUpstream(chunk));
      this.upstream.on('error', (err) => this.upstreamLost(err.message));
      this.upstream.on('close', () => this.upstreamLost('the database closed the connection'));
      this.client.on('drain', () => this.upstream.resume());
      this.upstream.on('drain', () => this.pumpClient());
      this.upstream.resume();
      this.client.resume();
      this.pumpClient();
    });
  }

  private endedHook: (() => void) | undefined;

  /** A CancelRequest with this session's key: held or undecided statements are refused, a running one cancelled in the database. */
  cancel(): void {
    for (const exchange of this.inFlight) exchange.abort(CANCELLED);
    cancelUpstream(this.target.connection, cancelRequest(this.login.processId, this.login.secretKey));
  }

  /**
   * The caller's identity was revoked: a running statement is cancelled in the database, held ones
   * are refused, the client is told why, and the connection closes.
   */
  revoked(): void {
    if (this.ended) return;
    if (this.queue.size > 0) cancelUpstream(this.target.connection, cancelRequest(this.login.processId, this.login.secretKey));
    this.fatal('28P01', 'terminating connection: this identity has been revoked', 'revoked');
  }

  /** The gateway is stopping: the client is told, then the connection closes. */
  shutdown(): void {
    this.fatal('57P01', 'terminating connection: the gateway is shutting down', 'shutdown');
  }

  // ── Client → gateway ────────────────────────────────────────────────────────────────────────

  private fromClient(chunk: Buffer): void {
    this.clientReader.push(chunk);
    if (this.clientReader.buffered > this.options.readAheadBytes) this.client.pause();
    this.pumpClient();
  }

  private pumpClient(): void {
    if (this.clientBusy || this.ended) return;
    this.clientBusy = true;
    void this.drainClient().finally(() => {
      this.clientBusy = false;
    });
  }

  private async drainClient(): Promise<void> {
    for (;;) {
      if (this.ended) return;
      let frame: Frame | undefined;
      try {
        frame = this.clientReader.next();
      } catch (err) {
        this.fatal('08P01', `invalid message from the client: ${(err as Error).message}`, 'closed');
        return;
      }
      if (!frame) {
        if (this.client.isPaused() && !this.ended && !this.upstream.writableNeedDrain) this.client.resume();
        return;
      }
      const handled = this.handle(frame);
      if (handled) await handled;
      // A client that pipelines without reading answers: bounded by what the database still owes.
      if (this.queue.size >= MAX_OWED) await this.owedBelow(MAX_OWED / 2);
    }
  }

  private handle(frame: Frame): Promise<void> | void {
    // During a COPY FROM STDIN only its data (and Terminate) go on; anything else waits for its end.
    // A Sync or Flush sent before the COPY's data ended is one the database ignored in copy-in
    // mode (libpq pipelines one after the Execute): it is dropped, as PostgreSQL drops it.
    if (this.copying && !PASS_WHILE_COPYING.has(frame.type)) {
      const beforeCopyEnd = (frame.type === 0x53 || frame.type === 0x48) && !this.copyClientDone;
      return this.copyDone.then(() => (beforeCopyEnd && this.copyStream?.enteredCopyIn ? undefined : this.handle(frame)));
    }
    if (this.copying && (frame.type === 0x63 || frame.type === 0x66)) {
      this.copyClientDone = true;
      // In the extended protocol the database holds the COPY's CommandComplete until a Flush or
      // Sync, and the client's Sync waits for that completion here: the gateway asks for it.
      this.toUpstream(frame.raw);
      this.toUpstream(FLUSH);
      return;
    }
    let message: ReturnType<typeof decodeFrontend>;
    try {
      message = decodeFrontend(frame);
    } catch (err) {
      return this.fatal('08P01', `invalid message from the client: ${(err as Error).message}`, 'closed');
    }
    if (message.type === 'Terminate') return this.end('closed');
    if (this.skipping) {
      if (message.type !== 'Sync') return;
      this.skipping = false;
    }
    switch (message.type) {
      case 'Query':
        return this.query(message.sql, frame.raw);
      case 'Parse':
        return this.parse(message.name, message.sql, message.parameterTypes);
      case 'Bind':
        return this.bind(message);
      case 'Describe':
        return this.describe(message.target, message.name);
      case 'Execute':
        return this.execute(message.portal, message.maxRows);
      case 'Close':
        return this.close(message.target, message.name);
      case 'Sync':
        return this.sync(frame.raw);
      case 'Flush':
      case 'CopyData':
      case 'CopyDone':
      case 'CopyFail':
        // COPY data belongs to a COPY the gateway decided; outside COPY the database ignores it.
        this.toUpstream(frame.raw);
        return;
      case 'FunctionCall':
        return this.refuseHere('0A000', 'the fast-path function call interface is not available through the gateway: call the function in a statement', false);
      case 'Password':
        return this.fatal('08P01', 'unexpected password message after login', 'closed');
    }
  }

  /** A simple Query ends the unnamed statement and portal, as in PostgreSQL. */
  private query(sql: string, raw: Buffer): Promise<void> {
    this.dropStatement('');
    this.dropPortal('');
    return this.runStatement('query', sql, [], raw);
  }

  private parse(name: string, sql: string, types: readonly number[]): void {
    if (name !== '' && this.names.statements.has(name)) return this.refuseHere('42P05', `prepared statement "${name}" already exists`, true);
    this.dropStatement(name);
    const statement: ProtocolStatement = { upstream: this.names.freshName('s'), sql, parameterTypes: types, portals: 0, dropped: false, closed: false };
    this.names.statements.set(name, statement);
    this.toUpstream(parseMessage(statement.upstream, sql, [...types]));
    this.expect({
      extended: true,
      accept: (frame) => {
        this.send(frame.raw);
        if (frame.type === 0x31) return Step.Done;
        if (frame.type !== E) return this.outOfOrder(frame);
        // The database does not have it: a later Bind gets 26000 as from PostgreSQL.
        statement.failed = true;
        if (this.names.statements.get(name) === statement) this.names.statements.delete(name);
        return Step.Failed;
      },
      skipped: () => {
        statement.failed = true;
        if (this.names.statements.get(name) === statement) this.names.statements.delete(name);
      },
      abandon: () => undefined,
    });
  }

  /**
   * Recorded, answered in PostgreSQL's place, and sent to the database only with the portal's
   * first decided Execute (see Portal).
   */
  private bind(message: { portal: string; statement: string; parameterFormats: readonly Format[]; parameters: readonly (Buffer | null)[]; resultFormats: readonly Format[] }): void {
    const statement = this.names.statements.get(message.statement);
    if (!statement) {
      const sqlLevel = message.statement !== '' ? ' (a statement prepared with SQL PREPARE runs with EXECUTE through the gateway)' : '';
      return this.refuseHere('26000', `prepared statement "${message.statement}" does not exist${sqlLevel}`, true);
    }
    const formats = message.parameterFormats;
    if (formats.length > 1 && formats.length !== message.parameters.length) return this.refuseHere('08P01', `bind message has ${formats.length} parameter formats but ${message.parameters.length} parameters`, true);
    this.dropPortal(message.portal);
    statement.portals++;
    this.names.portals.set(message.portal, {
      upstream: this.names.freshName('p'),
      statement,
      parameters: parameters(formats, message.parameters),
      parameterFormats: formats,
      values: message.parameters,
      resultFormats: message.resultFormats,
      bound: false,
      description: undefined,
      generation: this.zOwed,
    });
    this.expect({ extended: true, emit: () => this.send(BIND_COMPLETE), skipped: () => undefined, abandon: () => undefined });
  }

  private describe(kind: 'S' | 'P', name: string): void {
    if (kind === 'S') {
      const statement = this.names.statements.get(name);
      if (!statement) return this.refuseHere('26000', `prepared statement "${name}" does not exist`, true);
      this.toUpstream(describeMessage('S', statement.upstream));
      this.expect(this.description(true, undefined, undefined));
      return;
    }
    const portal = this.names.portals.get(name);
    if (!portal) return this.refuseHere('34000', `portal "${name}" does not exist`, true);
    if (portal.bound) {
      this.toUpstream(describeMessage('P', portal.upstream));
      this.expect(this.description(false, portal, undefined));
      return;
    }
    // Not bound in the database yet: its statement's description, with the result formats of the Bind.
    this.toUpstream(describeMessage('S', portal.statement.upstream));
    this.expect(this.description(true, portal, portal.resultFormats));
  }

  /**
   * The answer to a Describe: ParameterDescription (of a statement) and RowDescription or NoData.
   * `formats`: the client asked about an unbound portal, so it sees no ParameterDescription and the
   * row description with its Bind's result formats, as PostgreSQL would describe the portal.
   */
  private description(statement: boolean, portal: Portal | undefined, formats: readonly Format[] | undefined): Expectation {
    let parameterDescription = statement;
    return {
      extended: true,
      accept: (frame) => {
        if (parameterDescription && frame.type === t) {
          parameterDescription = false;
          if (!formats) this.send(frame.raw);
          return Step.More;
        }
        if (frame.type === T) {
          const fields = rowFields(frame);
          const shown = formats ? fields.map((f, i) => ({ ...f, format: formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0) })) : fields;
          if (portal) portal.description = shown;
          this.send(formats ? rowDescription(shown) : frame.raw);
          return Step.Done;
        }
        this.send(frame.raw);
        if (frame.type === n) {
          if (portal) portal.description = null;
          return Step.Done;
        }
        if (frame.type === E) return Step.Failed;
        return this.outOfOrder(frame);
      },
      skipped: () => undefined,
      abandon: () => undefined,
    };
  }

  private execute(name: string, maxRows: number): Promise<void> | void {
    const portal = this.names.portals.get(name);
    if (!portal) return this.refuseHere('34000', `portal "${name}" does not exist`, true);
    if (portal.statement.failed || (portal.statement.closed && !portal.bound)) return this.refuseHere('26000', 'the prepared statement of this portal does not exist', true);
    return this.runStatement('execute', portal.statement.sql, portal.parameters, executeMessage(portal.upstream, maxRows), name, portal);
  }

  private close(kind: 'S' | 'P', name: string): void {
    if (kind === 'S') this.dropStatement(name);
    else this.dropPortal(name);
    this.expect({ extended: true, emit: () => this.send(CLOSE_COMPLETE), skipped: () => undefined, abandon: () => undefined });
  }

  /** The client no longer names this statement; the database drops it once no unbound portal needs it. */
  private dropStatement(name: string): void {
    const statement = this.names.statements.get(name);
    if (!statement) return;
    this.names.statements.delete(name);
    statement.dropped = true;
    this.closeIfUnused(statement);
  }

  private dropPortal(name: string): void {
    const portal = this.names.portals.get(name);
    if (!portal) return;
    this.names.portals.delete(name);
    if (portal.bound) this.closeInDatabase('P', portal.upstream);
    else this.releaseStatement(portal.statement);
  }

  private releaseStatement(statement: ProtocolStatement): void {
    statement.portals--;
    this.closeIfUnused(statement);
  }

  private closeIfUnused(statement: ProtocolStatement): void {
    if (!this.names.closable(statement)) return;
    statement.closed = true;
    this.closeInDatabase('S', statement.upstream);
  }

  /** Closes one of the gateway's own names in the database; the answer is the gateway's, not the client's. */
  private closeInDatabase(kind: 'S' | 'P', upstream: string): void {
    this.toUpstream(closeMessage(kind, upstream));
    this.expect({ extended: true, accept: (frame) => (frame.type === 0x33 ? Step.Done : frame.type === E ? Step.Failed : this.outOfOrder(frame)), skipped: () => undefined, abandon: () => undefined });
  }

  private sync(raw: Buffer): void {
    this.toUpstream(raw);
    this.zOwed++;
    this.expect({
      extended: false,
      sync: true,
      accept: (frame) => {
        // The implicit commit at Sync can fail (a deferred constraint, serialization).
        if (frame.type === E) {
          this.send(this.lastProfile ? maskAsynchronous(frame, this.lastProfile, {}) : frame.raw);
          return Step.More;
        }
        return frame.type === Z ? this.relayReady(frame) : this.outOfOrder(frame);
      },
      skipped: () => undefined,
      abandon: () => undefined,
    });
  }

  /** A one-message answer the client sees (ParseComplete), or an error. */
  private answer(type: number, relay: boolean): Expectation {
    return {
      extended: true,
      accept: (frame) => {
        if (relay || frame.type === E) this.send(frame.raw);
        if (frame.type === type) return Step.Done;
        if (frame.type === E) return Step.Failed;
        return this.outOfOrder(frame);
      },
      skipped: () => undefined,
      abandon: () => undefined,
    };
  }

  // ── Decided statements ──────────────────────────────────────────────────────────────────────

  private async runStatement(kind: 'query' | 'execute', sql: string, params: readonly SqlParameter[], raw: Buffer, portal?: string, bound?: Portal): Promise<void> {
    // What an earlier PREPARE or DEALLOCATE changes must be known before a later EXECUTE is decided.
    await this.sessionEffects;
    const facts: StatementFacts = this.names.facts(sql, params);
    if (facts.refusal !== undefined) return this.refuseHere(facts.refusal.code, facts.refusal.message, kind === 'execute');
    if (facts.analysis.ok === false && facts.analysis.code === 'SQL_EMPTY') return this.empty(kind);
    const target: SqlTarget = { kind: 'sql', statement: facts.statement, parameters: facts.parameters };
    const exchange = new PgExchange(this, this.target.connection.config.name, kind, target, facts.shape, raw, portal);
    this.inFlight.add(exchange);
    this.pending.set(exchange, facts);
    if (bound) this.executing.set(exchange, bound);
    // While a COPY FROM STDIN may be reading the client's data, other messages wait for it: the
    // database would take them as the end of the COPY, or ignore them (Sync), out of step with
    // what the gateway expects of it.
    const copying = facts.analysis.ok && facts.analysis.statements.some((s) => s.kinds.includes('copy_from'));
    const ran = this.flow.run(this.session, exchange).then(
      (outcome) => {
        if (!outcome.ok && pgErrorFor(outcome.refusal.code).severity === 'FATAL') this.end('closed');
      },
      (err: unknown) => {
        this.logger.error({ err, sessionId: this.session.id }, 'statement failed unexpectedly');
        this.fatal('XX000', 'the gateway failed on this statement; the session is closed', 'closed');
      },
    );
    void ran.finally(() => {
      this.inFlight.delete(exchange);
      this.pending.delete(exchange);
      this.executing.delete(exchange);
    });
    if (copying) {
      this.copying = true;
      this.copyClientDone = false;
      this.copyStream = undefined;
      const done = ran.finally(() => {
        if (this.copyDone === done) this.copying = false;
      });
      this.copyDone = done;
    }
    if (facts.effects) this.sessionEffects = ran;
    await Promise.race([exchange.settled, ran]);
  }

  /** Resolved when the last request that prepares or deallocates has completed. */
  private sessionEffects: Promise<void> = Promise.resolve();

  /**
   * An empty query (nothing but spaces, comments or semicolons) runs nothing: the gateway answers
   * EmptyQueryResponse itself, as PostgreSQL would (JDBC's isValid sends one).
   */
  private empty(kind: 'query' | 'execute'): void {
    if (kind === 'execute') {
      this.expect({ extended: true, emit: () => this.send(EMPTY_QUERY), skipped: () => undefined, abandon: () => undefined });
      return;
    }
    this.zOwed++;
    this.expect({
      extended: false,
      emit: () => {
        this.send(EMPTY_QUERY);
        this.readyForQuery(this.txStatus);
        this.send(readyForQuery(String.fromCharCode(this.txStatus) as 'I' | 'T' | 'E'));
      },
      skipped: () => undefined,
      abandon: () => undefined,
    });
  }

  private readonly pending = new Map<PgExchange, StatementFacts>();
  private readonly executing = new Map<PgExchange, Portal>();
  private copying = false;
  private copyClientDone = false;
  private copyStream: StatementStream | undefined;
  private copyDone: Promise<void> = Promise.resolve();
  /** The masking profile of the last statement that had one: notices and notifications between statements are masked with it. */
  private lastProfile: MaskingProfile | undefined;

  async forward(exchange: PgExchange, masking: MaskingProfile | undefined): Promise<{ ok: true; stream: StatementStream } | { ok: false; refusal: Refusal }> {
    const gone = () => ({ ok: false as const, refusal: refusal('UPSTREAM_UNAVAILABLE', 'the connection to the database is gone') });
    if (this.ended || this.upstream.destroyed) return gone();
    const facts = this.pending.get(exchange)!;
    let copies: ReadonlyMap<number, CopyMasker> | undefined;
    if (masking) {
      const prepared = await prepareCopies(facts, masking, this.target);
      if (!prepared.ok) return { ok: false, refusal: refusal('RESPONSE_NOT_MASKABLE', prepared.message, [], prepared.detail) };
      copies = prepared.copies;
      if (this.ended || this.upstream.destroyed) return gone();
    }
    const host: StreamHost = {
      send: (data) => this.send(data),
      resolveColumns: (fields, profile, index) => this.resolveColumns(fields, profile, facts, index),
      valueMasker: (profile) => this.valueMasker(profile),
      readsRedacted: (index, profile) => this.readsRedacted(facts, index, profile),
      completed: (index, tag) => this.statementCompleted(facts, index, tag),
      readyForQuery: (status) => this.readyForQuery(status),
      fail: (message, detail) => this.maskingFailed(message, detail),
    };
    if (exchange.kind === 'query') {
      this.zOwed++;
      const stream = new StatementStream(host, false, undefined, copies);
      this.toUpstream(exchange.raw);
      this.expect(stream);
      return { ok: true, stream };
    }
    // The portal as it was when the Execute was read (a ReadyForQuery since may have ended it in the
    // database, which then answers 34000 itself).
    const portal = this.executing.get(exchange);
    if (!portal) return gone();
    if (!portal.bound) {
      // The portal reaches the database only now that its statement is decided.
      portal.bound = true;
      this.toUpstream(bindMessage(portal.upstream, portal.statement.upstream, [...portal.parameterFormats], [...portal.values], [...portal.resultFormats]));
      this.expect(this.answer(0x32, false));
      this.releaseStatement(portal.statement);
    }
    const stream = new StatementStream(host, true, undefined, copies);
    if (masking) {
      // The gateway describes the bound portal itself, every time: what it masks is what the
      // database will send, never a description learnt earlier (a statement's, or a cursor's since
      // redefined).
      this.toUpstream(describeMessage('P', portal.upstream));
      this.expect({
        extended: true,
        accept: (frame) => {
          if (frame.type === T) {
            portal.description = rowFields(frame);
            stream.setDescription(portal.description);
            return Step.Done;
          }
          if (frame.type === n) {
            portal.description = null;
            return Step.Done;
          }
          this.send(frame.raw);
          return frame.type === E ? Step.Failed : this.outOfOrder(frame);
        },
        skipped: () => undefined,
        abandon: () => undefined,
      });
    }
    if (this.copying) this.copyStream = stream;
    this.toUpstream(exchange.raw);
    this.expect(stream);
    // Its completion is awaited before the next decision (PREPARE/DEALLOCATE): the database must
    // send it without waiting for the client's Sync.
    if (facts.effects) this.toUpstream(FLUSH);
    return { ok: true, stream };
  }

  masked(profile: MaskingProfile): void {
    this.lastProfile = profile;
  }

  notice(fields: NoticeInput<'NOTICE'>): void {
    this.send(noticeResponse(fields));
  }

  refuse(exchange: PgExchange, reason: Refusal, info: Partial<ResponseInfo>, stream: StatementStream | undefined): void {
    const fields = refusalFields(reason, info);
    const fatal = fields.severity === 'FATAL';
    if (stream) {
      stream.withhold(errorResponse(fields));
      if (exchange.kind === 'execute') this.abortInDatabase(true);
      return;
    }
    if (fatal) {
      this.fatalFields(fields, 'closed');
      return;
    }
    this.refuseWith(errorResponse(fields), exchange.kind === 'execute');
  }

  /** A refusal by the gateway itself (not a decision): unknown statement or portal, unsupported message. */
  private refuseHere(code: string, message: string, extended: boolean): void {
    this.refuseWith(errorResponse({ severity: 'ERROR', code, message }), extended);
  }

  /**
   * The refusal goes to the client in the place of the refused message's answer, and the database
   * is made to fail the same way PostgreSQL would have: an error it answers itself (and the gateway
   * swallows) aborts the transaction, and in an extended-protocol batch makes it skip to Sync.
   */
  private refuseWith(error: Buffer, extended: boolean): void {
    this.expect({ extended, emit: () => this.send(error), skipped: () => undefined, abandon: () => undefined });
    this.abortInDatabase(extended);
  }

  private abortInDatabase(extended: boolean): void {
    if (extended) {
      this.skipping = true;
      this.toUpstream(parseMessage('portcullis_refused', REFUSED_SQL, []));
      this.expect({ extended: true, accept: (frame) => (frame.type === E ? Step.Failed : this.outOfOrder(frame)), skipped: () => undefined, abandon: () => undefined });
      return;
    }
    this.zOwed++;
    this.toUpstream(queryMessage(REFUSED_SQL));
    this.expect({
      extended: false,
      accept: (frame) => {
        if (frame.type === E) return Step.More;
        return frame.type === Z ? this.relayReady(frame) : this.outOfOrder(frame);
      },
      skipped: () => undefined,
      abandon: () => undefined,
    });
  }

  // ── Database → gateway ──────────────────────────────────────────────────────────────────────

  private fromUpstream(chunk: Buffer): void {
    this.upstreamReader.push(chunk);
    if (this.upstreamBusy) return;
    this.upstreamBusy = true;
    const done = this.drainUpstream();
    if (done) {
      this.upstream.pause();
      void done.finally(() => {
        this.upstreamBusy = false;
        if (!this.ended && this.client.writableNeedDrain === false) this.upstream.resume();
        if (this.upstreamReader.buffered > 0) this.fromUpstream(Buffer.alloc(0));
      });
    } else this.upstreamBusy = false;
  }

  /** Handles every complete frame; returns a promise if one had to wait (the upstream is paused meanwhile). */
  private drainUpstream(): Promise<void> | undefined {
    for (;;) {
      if (this.ended) return undefined;
      let frame: Frame | undefined;
      try {
        frame = this.upstreamReader.next();
      } catch (err) {
        this.upstreamLost(`invalid message from the database: ${(err as Error).message}`);
        return undefined;
      }
      if (!frame) return undefined;
      const waiting = this.fromDatabase(frame);
      if (waiting) return waiting.then(() => this.drainUpstream());
    }
  }

  private fromDatabase(frame: Frame): Promise<void> | undefined {
    try {
      const waiting = this.fromDatabaseUnguarded(frame);
      return waiting?.catch((err: unknown) => this.upstreamLost(`unreadable message from the database: ${(err as Error).message}`));
    } catch (err) {
      this.upstreamLost(`unreadable message from the database: ${(err as Error).message}`);
      return undefined;
    }
  }

  private fromDatabaseUnguarded(frame: Frame): Promise<void> | undefined {
    const type = frame.type;
    if (type === S) {
      this.send(frame.raw);
      return undefined;
    }
    const head = this.queue.head;
    if (type === N || type === A) {
      // Between statements, with the profile of the last statement masked in this session.
      if (head instanceof StatementStream) head.asynchronous(frame);
      else this.send(this.lastProfile ? maskAsynchronous(frame, this.lastProfile, {}) : frame.raw);
      return undefined;
    }
    if (!head?.accept) {
      this.upstreamLost(`the database sent ${String.fromCharCode(type)} when the gateway expected nothing`);
      return undefined;
    }
    const step = head.accept(frame);
    if (typeof step === 'number') {
      if (step !== Step.More) this.completeHead(step);
      return undefined;
    }
    return step.then((s) => {
      if (s !== Step.More) this.completeHead(s);
    });
  }

  private completeHead(step: Step.Done | Step.Failed): void {
    this.queue.complete(step);
    if (this.owedWaiter && this.queue.size < this.owedLimit) this.owedWaiter();
  }

  private owedWaiter: (() => void) | undefined;
  private owedLimit = 0;

  private owedBelow(limit: number): Promise<void> {
    this.owedLimit = limit;
    this.client.pause();
    this.toUpstream(FLUSH); // the database sends what it owes without waiting for a Sync
    return new Promise((resolve) => {
      this.owedWaiter = () => {
        this.owedWaiter = undefined;
        resolve();
      };
    });
  }

  /** A ReadyForQuery the client is owed: the session learns the transaction status, the client gets it. */
  private relayReady(frame: Frame): Step.Done {
    this.readyForQuery(frame.payload[0] ?? 0);
    this.send(frame.raw);
    return Step.Done;
  }

  private outOfOrder(frame: Frame): Step {
    this.upstreamLost(`the database sent ${String.fromCharCode(frame.type)} out of order`);
    return Step.Failed;
  }

  // ── StreamHost ──────────────────────────────────────────────────────────────────────────────

  send(data: Buffer): void {
    if (!this.ended) this.toClient.write(data);
  }

  /** Profiles compiled once per session (the profiles themselves are replaced whole when they change). */
  private readonly compiled = new WeakMap<MaskingProfile, ValueMasker>();
  private readonly rules = new WeakMap<MaskingProfile, RedactionRules>();

  private valueMasker(profile: MaskingProfile): ValueMasker {
    let masker = this.compiled.get(profile);
    if (!masker) this.compiled.set(profile, (masker = valueMasker(profile)));
    return masker;
  }

  private readsRedacted(facts: StatementFacts, index: number, profile: MaskingProfile): boolean {
    if (profile.columns.length === 0 && profile.fields.length === 0) return false;
    // A notice after the last statement completed belongs to the last one.
    const decided = facts.decided.ok ? facts.decided.statements[Math.min(index, facts.decided.statements.length - 1)] : undefined;
    if (decided === undefined || decided.kinds.includes('fetch')) return true;
    let rules = this.rules.get(profile);
    if (!rules) this.rules.set(profile, (rules = redactionRules(profile)));
    return readsRedactedColumn(decided.columnsRead, rules);
  }

  private async resolveColumns(fields: readonly RawField[], profile: MaskingProfile, facts: StatementFacts, index: number): Promise<readonly ResultColumn[]> {
    const needSources = profile.columns.length > 0 || profile.fields.length > 0;
    const derivedFromRedacted = this.readsRedacted(facts, index, profile);
    const [sources, types] = await Promise.all([
      needSources ? this.target.catalog.sources(fields) : fields.map(() => undefined),
      this.target.catalog.typeFacts(fields.map((f) => f.typeOid)),
    ]);
    return fields.map((f, i) => ({
      name: f.name,
      typeOid: f.typeOid,
      format: f.format === 1 ? 1 : 0,
      ...(sources[i] ? { source: sources[i] } : {}),
      ...(derivedFromRedacted && f.tableOid === 0 ? { derived: true } : {}),
      ...(types[i] ? { category: types[i]!.category } : {}),
    }));
  }

  /** The transaction that held the portal ended: the database dropped it (a bound one) itself. */
  private endPortal(name: string, portal: Portal): void {
    this.names.portals.delete(name);
    if (!portal.bound) this.releaseStatement(portal.statement);
  }

  readyForQuery(status: number): void {
    this.txStatus = status;
    this.zSeen++;
    // Portals end with their transaction; those bound after this ReadyForQuery was owed live on.
    if (status === 0x49) for (const [name, portal] of this.names.portals) if (portal.generation < this.zSeen) this.endPortal(name, portal);
  }

  private statementCompleted(facts: StatementFacts, index: number, tag: string): void {
    this.names.completed(facts, index, tag);
    if (/^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SECURITY LABEL)\b/.test(tag)) this.target.catalog.invalidate();
  }

  private maskingFailed(message: string, detail: string): void {
    this.logger.error({ sessionId: this.session.id, connection: this.target.connection.config.name, detail }, 'result could not be masked; session closed');
    this.fatal('XX000', `${message}; nothing unmasked was sent and the session is closed`, 'closed');
  }

  // ── Ending ──────────────────────────────────────────────────────────────────────────────────

  private expect(expectation: Expectation): void {
    this.queue.push(expectation);
  }

  private toUpstream(data: Buffer): void {
    this.toDatabase.write(data);
  }

  private upstreamLost(detail: string): void {
    if (this.ended) return;
    this.logger.warn({ sessionId: this.session.id, connection: this.target.connection.config.name, detail }, 'database connection lost');
    this.fatal('08006', 'the connection to the database was lost', 'closed');
  }

  private fatal(code: string, message: string, reason: SessionEndReason): void {
    this.fatalFields({ severity: 'FATAL', code, message }, reason);
  }

  private fatalFields(fields: Parameters<typeof errorResponse>[0], reason: SessionEndReason): void {
    if (this.ended) return;
    this.toClient.write(errorResponse(fields));
    this.toClient.flush();
    this.end(reason);
  }

  /** Ends the session once: held and undecided statements are refused, the database connection closes (rolling back). */
  end(reason: SessionEndReason): void {
    if (this.ended) return;
    this.ended = true;
    // A client gone mid-statement: the database would run it to its end for nobody.
    if (reason === 'gone' && this.queue.size > 0) cancelUpstream(this.target.connection, cancelRequest(this.login.processId, this.login.secretKey));
    for (const exchange of this.inFlight) exchange.abort();
    this.owedWaiter?.();
    this.queue.abandon();
    this.toClient.flush();
    this.upstream.destroy();
    this.client.end();
    setTimeout(() => this.client.destroy(), 1000).unref();
    this.flow.close(this.session, reason);
    this.onEnd();
    this.endedHook?.();
  }

  get transactionStatus(): string {
    return String.fromCharCode(this.txStatus);
  }
}

/** CopyData, CopyDone, CopyFail, Terminate. */
const PASS_WHILE_COPYING: ReadonlySet<number> = new Set([0x64, 0x63, 0x66, 0x58]);

/** Answers the database may owe one session at once before the gateway stops reading the client. */
const MAX_OWED = 1024;
const BIND_COMPLETE = bindComplete();
const FLUSH = flushMessage();
const CLOSE_COMPLETE = closeComplete();
const EMPTY_QUERY = emptyQueryResponse();

/** Syntax the database refuses before running anything: how the gateway makes it fail in step. */
const REFUSED_SQL = 'portcullis refused the previous statement';

function rowFields(frame: Frame): readonly RawField[] {
  const message = decodeBackend(frame);
  return message.type === 'RowDescription' ? message.fields : [];
}

/** Bound parameters as policy and the audit log see them: text as text, binary as bytes. */
function parameters(formats: readonly number[], values: readonly (Buffer | null)[]): SqlParameter[] {
  return values.map((value, i) => {
    if (value === null) return null;
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
    if (format === 1) return { binary: new Uint8Array(value) };
    const text = value.toString('utf8');
    return Buffer.byteLength(text) === value.length && !text.includes('\ufffd') ? { text } : { binary: new Uint8Array(value) };
  });
}

