import type { MaskingProfile } from '@portcullis/detectors';
import { revocationMatches, type Principal, type RevocationSelector } from '@portcullis/identity-client';
import { sha256Hex, type Protocol, type Target } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import type { DecisionCache } from './decision-cache.js';
import type { Decision } from './decision.js';
import type { Exchange, SessionOpening } from './exchange.js';
import type { GatewayEvent, Outcome, ProtocolStatus, SessionEndReason } from './events.js';
import { resolveProfile } from './masking.js';
import type { ApprovalsPort, Clock, EventsPort, HoldResult, IdentityPort, IdSource, MaskingProfilesPort, PolicyPort, RequestLogPort } from './ports.js';
import { DENIALS, refusal, refusalFor, type Refusal } from './refusal.js';
import type { AuthFailureAggregator } from './auth-failures.js';
import type { PrincipalLimiter, Ticket } from './principal-limits.js';
import { Session } from './session.js';
import { Stages } from './stages.js';

/** The abort reason the gateway uses when it stops: held requests are refused, not forwarded. */
export const SHUTTING_DOWN = 'portcullis:shutting-down';

/**
 * The abort reason of an exchange's `gone` signal when the caller cancelled the request (a
 * PostgreSQL CancelRequest) rather than going away: it is refused as cancelled, the session lives on.
 */
export const CANCELLED = 'portcullis:cancelled';

/** Stands for the connection of a request that named none the gateway knows. */
export const UNKNOWN_CONNECTION = '_unknown';

export interface FlowPorts {
  readonly identity: IdentityPort;
  readonly policy: PolicyPort;
  readonly events: EventsPort;
  readonly approvals: ApprovalsPort;
  readonly masking: MaskingProfilesPort;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly log: RequestLogPort;
}

export interface FlowOptions {
  /** Aborted (reason SHUTTING_DOWN) when the gateway stops: held requests are released, refused. */
  readonly shutdown: AbortSignal;
  /** The connections of each protocol (a name may exist for one protocol and not another). */
  readonly connections: { has(name: string, protocol: Protocol): boolean };
  readonly decisions?: DecisionCache;
  /** Aggregates refusals of unverified callers (absent: each is recorded on its own). */
  readonly authFailures?: AuthFailureAggregator<AuthFailureSample>;
  /** Per-principal limits: requests in flight, pending holds, buffered request bytes (absent: none). */
  readonly limits?: PrincipalLimiter;
}

/** What a counted pre-authentication refusal leaves for its window's summary. */
export interface AuthFailureSample {
  readonly connection: string;
  readonly message: string;
  readonly clientAddress: string;
  readonly credentialType: '' | 'jwt' | 'saml';
  readonly issuer: string;
  readonly asked: string;
}

export type Opened = { readonly ok: true; readonly session: Session } | { readonly ok: false; readonly refusal: Refusal; readonly sessionId: string };

/** What became of one request: the refusal the caller got, if any (a session may end on it). */
export type Ran = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

type Authorization = { readonly ok: true; readonly decision: Decision; readonly holdId?: string } | { readonly ok: false; readonly refusal: Refusal; readonly holdId?: string };

/** Identifies a request in every event and response. */
interface Request {
  readonly requestId: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly startedAt: number;
  /** Subject of the caller, once verified (for the operator's log). */
  readonly principal?: string;
}

/**
 * The request path of every protocol: authenticate (once per session) → describe the target →
 * durable RequestReceived → decision → hold → forward → mask → respond → RequestCompleted, refusing
 * in the caller's protocol through the exchange. Nothing reaches a target unless every step
 * answered: a part that cannot answer denies. Protocol adapters implement `Exchange` and call
 * `serve` (a connection whose requests each carry the credential: HTTP), `serveOne` (a session of
 * one request) or `open` / `run` / `close` (MCP, PostgreSQL).
 */
export class RequestFlow {
  /** SessionStarted of sessions whose first request has not been recorded yet (it rides along). */
  private readonly unrecorded = new WeakMap<Session, GatewayEvent>();
  /** Sessions open on this instance, and resumed ones while a request of theirs runs: what a revocation ends. */
  private readonly live = new LiveSessions();

  constructor(
    private readonly ports: FlowPorts,
    private readonly options: FlowOptions,
  ) {}

  /**
   * Verifies the caller and fixes its principal for the session. A caller that cannot open it is
   * refused through `refuseTo` when given (a PostgreSQL login), and the refusal is audited like any.
   */
  async open(opening: SessionOpening, refuseTo?: Exchange): Promise<Opened> {
    const startedAt = this.ports.clock.monotonic();
    const verified = await this.verify(opening, false);
    if (!verified.ok) {
      const sessionId = this.ports.ids.next();
      if (refuseTo) this.refuseUnauthenticated(refuseTo, { requestId: this.ports.ids.next(), sessionId, connection: this.connectionName(refuseTo), startedAt }, verified.refusal, opening, verified.issuer);
      return { ok: false, sessionId, refusal: verified.refusal };
    }
    return { ok: true, session: this.start(opening, verified.principal, verified.digest) };
  }

  /**
   * Keeps a resumed session reachable by revocations while something outlives its requests (an
   * MCP server stream); call the returned function when that ends.
   */
  track(session: Session): () => void {
    this.live.add(session);
    let tracked = true;
    return () => {
      if (tracked) this.live.release(session);
      tracked = false;
    };
  }

  /**
   * The session goes on elsewhere (an MCP session after its initialize: its state travels with the
   * client and each request resumes it): this instance stops holding it, without ending it.
   */
  detach(session: Session): void {
    this.live.forget(session);
  }

  /**
   * A revocation arrived (IdentityRevoked): every session of a principal it covers is terminated
   * (held requests refused with REVOKED, adapters end their connections and streams) and closed.
   * Returns how many sessions it ended.
   */
  revoke(selector: RevocationSelector): number {
    const revoked = refusal('REVOKED', 'this identity has been revoked');
    let ended = 0;
    for (const session of this.live.all()) {
      if (!revocationMatches(selector, session.principal) || !session.terminate(revoked)) continue;
      ended++;
      if (!session.transient) this.close(session, 'revoked');
    }
    return ended;
  }

  /**
   * A session opened earlier, perhaps by another instance (an MCP session, whose state travels in
   * its sealed id): the caller is verified again and must be the principal that opened it. Nothing
   * is recorded for resuming: SessionStarted was recorded when it opened. A caller that is not the
   * session's principal is told only that there is no such session (`notOwner`).
   */
  async resume(opening: SessionOpening, sessionId: string, owner: { readonly issuer: string; readonly subject: string }, refuseTo?: Exchange): Promise<Opened | { readonly ok: false; readonly notOwner: true }> {
    const startedAt = this.ports.clock.monotonic();
    // The session was opened with a credential before: a SAML assertion continues it, not replays it.
    const verified = await this.verify(opening, true);
    if (!verified.ok) {
      if (refuseTo) this.refuseUnauthenticated(refuseTo, { requestId: this.ports.ids.next(), sessionId, connection: this.connectionName(refuseTo), startedAt }, verified.refusal, opening, verified.issuer);
      return { ok: false, sessionId, refusal: verified.refusal };
    }
    if (verified.principal.issuer !== owner.issuer || verified.principal.subject !== owner.subject) return { ok: false, notOwner: true };
    return { ok: true, session: new Session(sessionId, opening.protocol, verified.principal, opening.clientAddress, this.ports.clock.monotonic(), verified.digest, credentialOf(opening), true) };
  }

  /** The caller's credential, verified by identity (a refusal when there is none or it is refused). */
  private async verify(opening: SessionOpening, continuing: boolean): Promise<{ ok: true; principal: Principal; digest: string } | { ok: false; refusal: Refusal; digest?: string; issuer?: string }> {
    if (!opening.token) return { ok: false, refusal: refusal('TOKEN_MISSING', 'a bearer token is required') };
    const digest = sha256Hex(opening.token);
    const verified = await this.ports.identity.verify(opening.token, { type: opening.credentialType ?? 'jwt', continuing });
    if (!verified.ok) return { ok: false, refusal: refusal(verified.code, verified.message), digest, ...(verified.issuer ? { issuer: verified.issuer } : {}) };
    return { ok: true, principal: verified.principal, digest };
  }

  /**
   * Before a held request is released: is its caller still who it was? Identity is asked afresh
   * (not the cache): the token may have expired or the identity been revoked while it waited.
   */
  private async recheckCaller(session: Session): Promise<Refusal | undefined> {
    const local = session.recheck(this.ports.clock.now());
    if (local) return { ...local, message: `the request was approved, but its caller is no longer valid: ${local.message}` };
    const credential = session.presentedCredential();
    const verified = await this.ports.identity.verify(credential.value, { type: credential.type, continuing: true, fresh: true });
    if (!verified.ok) return refusal(verified.code, `the request was approved, but its caller is no longer valid: ${verified.message}`);
    if (verified.principal.subject !== session.principal.subject || verified.principal.issuer !== session.principal.issuer) {
      return refusal('REVOKED', 'the request was approved, but its credential no longer names the caller that made it');
    }
    return undefined;
  }

  /** A new session for a verified caller; its SessionStarted rides with its first request. */
  private start(opening: SessionOpening, principal: Principal, credentialDigest: string): Session {
    const session = new Session(this.ports.ids.next(), opening.protocol, principal, opening.clientAddress, this.ports.clock.monotonic(), credentialDigest, credentialOf(opening));
    this.live.add(session);
    this.unrecorded.set(session, {
      ...this.envelope({ sessionId: session.id, requestId: '', connection: '' }),
      kind: 'sessionStarted',
      principal,
      protocol: session.protocol,
      clientAddress: opening.clientAddress,
      ...(opening.clientUser !== undefined ? { clientUser: opening.clientUser } : {}),
      ...(opening.applicationName !== undefined ? { applicationName: opening.applicationName } : {}),
    });
    return session;
  }

  /** Ends the session once, recording SessionEnded (and SessionStarted, if no request recorded it). */
  close(session: Session, reason: SessionEndReason): void {
    this.live.forget(session);
    if (!session.end(reason)) return;
    const durationUs = (this.ports.clock.monotonic() - session.openedAt) * 1000;
    this.ports.events.recordLater([
      ...this.takeUnrecorded(session),
      { ...this.envelope({ sessionId: session.id, requestId: '', connection: '' }), kind: 'sessionEnded', reason, requests: session.requests, durationUs },
    ]);
  }

  /** A session of one request: open, run, close. A caller that cannot open it is refused. */
  async serveOne(opening: SessionOpening, exchange: Exchange): Promise<void> {
    let session: Session | undefined;
    try {
      session = await this.serve(opening, exchange, undefined);
    } finally {
      if (session) this.close(session, exchange.gone.aborted ? 'gone' : 'closed');
    }
  }

  /**
   * One request of a connection that carries each request's credential (HTTP keep-alive). The
   * credential is verified on every request (identity's cache makes a repeat cheap, and bounds how
   * long a verdict is reused); the request runs in `session` if that session was opened with this
   * very credential and is still valid; otherwise that session ends (a new credential, a refused
   * one, or its principal expired) and a new one opens. Returns the session the connection keeps,
   * if any; the caller closes it when the connection ends.
   */
  async serve(opening: SessionOpening, exchange: Exchange, session: Session | undefined): Promise<Session | undefined> {
    const startedAt = this.ports.clock.monotonic();
    const stages = new Stages(() => this.ports.clock.monotonic());
    const presented = opening.token === undefined ? undefined : sha256Hex(opening.token);
    const sameCredential = session !== undefined && presented !== undefined && session.openedWith(presented);
    const verified = await this.verify(opening, sameCredential);
    stages.lap('authn');
    if (session) {
      const stale = session.recheck(this.ports.clock.now());
      if (sameCredential && !stale && verified.ok && verified.principal.subject === session.principal.subject && verified.principal.issuer === session.principal.issuer) {
        await this.run(session, exchange, { startedAt, stages });
        return session;
      }
      this.close(session, endReason(stale, sameCredential ? verified : undefined));
    }
    if (!verified.ok) {
      // The session's own credential, now refused: the refused request is still that session's.
      const own = sameCredential ? session : undefined;
      const request = { requestId: this.ports.ids.next(), sessionId: own?.id ?? this.ports.ids.next(), connection: this.connectionName(exchange), startedAt, ...(own ? { principal: own.principal.subject } : {}) };
      this.refuseUnauthenticated(exchange, request, verified.refusal, opening, verified.issuer);
      return undefined;
    }
    const opened = this.start(opening, verified.principal, verified.digest);
    try {
      await this.run(opened, exchange, { startedAt, stages });
    } catch (err) {
      this.close(opened, 'closed');
      throw err;
    }
    return opened;
  }

  /** One request in an open session. */
  async run(session: Session, exchange: Exchange, timing?: { startedAt: number; stages: Stages }): Promise<Ran> {
    if (!session.transient) return this.runIn(session, exchange, timing);
    this.live.add(session);
    try {
      return await this.runIn(session, exchange, timing);
    } finally {
      this.live.release(session);
    }
  }

  private async runIn(session: Session, exchange: Exchange, timing?: { startedAt: number; stages: Stages }): Promise<Ran> {
    const clock = this.ports.clock;
    const stages = timing?.stages ?? new Stages(() => clock.monotonic());
    const principal = session.principal;
    const request: Request = {
      requestId: this.ports.ids.next(),
      sessionId: session.id,
      connection: this.connectionName(exchange),
      startedAt: timing?.startedAt ?? clock.monotonic(),
      principal: principal.subject,
    };
    const early = (reason: Refusal, target?: Target): Ran => {
      this.refuseEarly(exchange, request, reason, principal, target, this.takeUnrecorded(session));
      return { ok: false, refusal: reason };
    };

    const stale = session.recheck(clock.now());
    if (stale) return early(stale);
    // The principal's share of this instance: taken before anything is read or asked, given back
    // however the request ends (answered, refused, held and abandoned, streamed to the end).
    const admitted = this.options.limits?.admit(principal);
    if (admitted && !admitted.ok) return early(admitted.refusal);
    const ticket = admitted?.ticket;
    try {
      return await this.decideAndForward(session, exchange, request, stages, early, ticket);
    } finally {
      ticket?.release();
    }
  }

  private async decideAndForward(session: Session, exchange: Exchange, request: Request, stages: Stages, early: (reason: Refusal, target?: Target) => Ran, ticket: Ticket | undefined): Promise<Ran> {
    const principal = session.principal;
    if (!this.options.connections.has(exchange.connection, exchange.protocol)) return early(refusal('UNKNOWN_CONNECTION', `no connection named "${exchange.connection}"`));
    const described = await exchange.describe(ticket ? { reserve: (bytes) => ticket.reserveBody(bytes), release: () => ticket.releaseBody() } : UNLIMITED);
    if (!described.ok) return early(described.refusal);

    const context: RequestContext = {
      requestId: request.requestId,
      sessionId: session.id,
      connection: request.connection,
      protocol: exchange.protocol,
      principal,
      target: described.target,
      ...(described.shape !== undefined ? { shape: described.shape } : {}),
    };
    session.countRequest();
    const sessionEvents = this.takeUnrecorded(session);
    const authz = await this.authorize(context, sessionEvents, exchange, session, stages, ticket);
    const holdId = authz.holdId;
    if (!authz.ok) {
      // SessionStarted was not stored with this request: the next one carries it.
      if (authz.refusal.code === 'BUS_UNAVAILABLE' && sessionEvents[0]) this.unrecorded.set(session, sessionEvents[0]);
      return this.refuse(exchange, request, authz.refusal, holdId);
    }

    // The caller may have left, or the gateway begun stopping, between the decision and now; and a
    // held request is released only if its caller is still who it was (the hold may have been long).
    if (exchange.gone.aborted || this.options.shutdown.aborted) return this.refuse(exchange, request, this.abortRefusal(exchange.gone), holdId);
    const stillValid = holdId ? await this.recheckCaller(session) : undefined;
    if (stillValid) {
      void this.ports.approvals.reportRelease?.(holdId!, { forwarded: false, code: stillValid.code, message: stillValid.message });
      return this.refuse(exchange, request, stillValid, holdId);
    }
    // The profile is resolved before anything reaches the target: a reply that could not be masked
    // is refused without the request having run.
    let profile: MaskingProfile | undefined;
    if (authz.decision.maskingProfiles.length > 0) {
      const resolved = resolveProfile(this.ports.masking.profiles, authz.decision.maskingProfiles);
      if (!resolved.ok) return this.refuse(exchange, request, resolved.refusal, holdId);
      profile = resolved.profile;
    }
    // A revocation that lands now still stops the request, and one during the forward aborts it.
    if (session.terminated.aborted) return this.refuse(exchange, request, session.terminated.reason as Refusal, holdId);
    // The signal stays armed until the reply is sent: a reply that streams is cut off by them too.
    const cut = new AbortController();
    const abortForward = () => cut.abort(exchange.gone.reason);
    exchange.gone.addEventListener('abort', abortForward);
    session.terminated.addEventListener('abort', abortForward);
    if (exchange.gone.aborted) abortForward();
    try {
      return await this.forwardAndRespond(session, exchange, request, stages, holdId, profile, cut.signal);
    } finally {
      exchange.gone.removeEventListener('abort', abortForward);
      session.terminated.removeEventListener('abort', abortForward);
    }
  }

  private async forwardAndRespond(session: Session, exchange: Exchange, request: Request, stages: Stages, holdId: string | undefined, profile: MaskingProfile | undefined, signal: AbortSignal): Promise<Ran> {
    const forwarded = await exchange.forward({ requestId: request.requestId, signal, ...(profile ? { masking: profile } : {}) });
    if (session.terminated.aborted) return this.refuse(exchange, request, session.terminated.reason as Refusal, holdId);
    stages.lap('upstream');
    if (holdId) void this.ports.approvals.reportRelease?.(holdId, { forwarded: true });
    if (!forwarded.ok) return this.refuse(exchange, request, forwarded.refusal, holdId);

    let masked: Readonly<Record<string, number>> = {};
    if (profile) {
      // Fail closed: nothing of an unmasked reply leaves the gateway.
      const outcome = forwarded.reply.mask(profile);
      stages.lap('mask');
      if (!outcome.ok) return this.refuse(exchange, request, outcome.refusal, holdId);
      masked = outcome.findings;
    }
    const delivery = await exchange.respond(forwarded.reply, { requestId: request.requestId, stages, ...(holdId ? { holdId } : {}) });
    if (delivery.masked) masked = mergeCounts(masked, delivery.masked);
    // A reply cut off midway: a revocation says why better than the broken stream it caused.
    const failure = delivery.failure && session.terminated.aborted ? (session.terminated.reason as Refusal) : delivery.failure;
    this.complete(request, failure ? 'failed' : 'forwarded', delivery.status, {
      masked,
      responseBytes: delivery.bytes,
      rows: delivery.rows,
      ...(delivery.commandTags ? { commandTags: delivery.commandTags } : {}),
      ...(failure ? { refusal: failure } : {}),
    });
    return failure ? { ok: false, refusal: failure } : { ok: true };
  }

  /**
   * RequestReceived goes to the bus while policy decides (or with a remembered decision), and
   * DecisionMade right after; both are awaited before anything else happens to the request, so no
   * request reaches a target without both stored durably, in that order.
   */
  private async authorize(context: RequestContext, sessionEvents: readonly GatewayEvent[], exchange: Exchange, session: Session, stages: Stages, ticket: Ticket | undefined): Promise<Authorization> {
    const received: GatewayEvent = { ...this.envelope(context), kind: 'requestReceived', principal: context.principal, protocol: context.protocol, target: context.target };
    const remembered = this.options.decisions?.get(context);
    let decision: Decision;
    try {
      if (remembered) {
        decision = remembered;
        await this.ports.events.record([...sessionEvents, received, this.decisionEvent(context, decision, true)]);
      } else {
        const recorded = this.ports.events.record([...sessionEvents, received]);
        recorded.catch(() => undefined); // awaited below; never an unhandled rejection
        const decided = await this.ports.policy.decide(context).catch((err: unknown) => ({ ok: false as const, message: 'the policy service is unreachable', detail: (err as Error).message }));
        stages.lap('policy');
        if (!decided.ok) {
          await recorded.catch(() => undefined);
          return { ok: false, refusal: refusal('POLICY_UNAVAILABLE', decided.message, [], decided.detail) };
        }
        decision = decided.decision;
        this.options.decisions?.put(context, decision);
        await Promise.all([recorded, this.ports.events.record([this.decisionEvent(context, decision, false)])]);
      }
    } catch (err) {
      stages.lap('record');
      return { ok: false, refusal: refusal('BUS_UNAVAILABLE', 'the event log is unavailable', [], (err as Error).message) };
    }
    stages.lap('record');

    switch (decision.effect) {
      case 'allow':
        return { ok: true, decision };
      case 'require_approval':
        return this.holdForApproval(context, decision, exchange, session, stages, ticket);
      case 'deny':
        return { ok: false, refusal: refusalFor(decision, 'POLICY_DENIED', 'denied by policy') };
    }
  }

  private async holdForApproval(context: RequestContext, decision: Decision, exchange: Exchange, session: Session, stages: Stages, ticket: Ticket | undefined): Promise<Authorization> {
    // Past the principal's pending holds the request is refused, not held: a flood of held requests
    // must not bury other callers' holds in the approvers' list.
    const full = ticket?.hold();
    if (full) return { ok: false, refusal: full };
    try {
      return await this.waitForApproval(context, decision, exchange, session, stages);
    } finally {
      ticket?.unhold();
    }
  }

  private async waitForApproval(context: RequestContext, decision: Decision, exchange: Exchange, session: Session, stages: Stages): Promise<Authorization> {
    const gone = exchange.gone;
    // A hold ends when the caller goes away, its identity is revoked or the gateway stops, whichever
    // comes first; the reason (a refusal) tells approvals why the hold is withdrawn. (Not
    // AbortSignal.any: on Node 20 the long-lived shutdown signal would keep every one it made.)
    const ended = new AbortController();
    const end = () => ended.abort(this.holdEndReason(gone, session));
    gone.addEventListener('abort', end);
    session.terminated.addEventListener('abort', end);
    this.options.shutdown.addEventListener('abort', end);
    if (gone.aborted || session.terminated.aborted || this.options.shutdown.aborted) end();
    let result: HoldResult;
    try {
      result = await this.ports.approvals.hold(context, decision, ended.signal, exchange.held ? (held) => exchange.held!(held, decision) : undefined);
    } catch (err) {
      result = { status: 'unavailable', message: 'the approvals service is unavailable', detail: (err as Error).message };
    } finally {
      gone.removeEventListener('abort', end);
      session.terminated.removeEventListener('abort', end);
      this.options.shutdown.removeEventListener('abort', end);
    }
    stages.lap('approval');
    switch (result.status) {
      case 'approved':
        return { ok: true, decision, holdId: result.holdId };
      case 'denied':
        return { ok: false, holdId: result.holdId, refusal: refusalFor(decision, 'APPROVAL_DENIED', `denied by ${result.approver}: ${result.reason}`) };
      case 'expired':
        return { ok: false, holdId: result.holdId, refusal: refusalFor(decision, 'APPROVAL_EXPIRED', 'nobody approved the request before its hold expired') };
      case 'cancelled': {
        const holdId = result.holdId ? { holdId: result.holdId } : {};
        if (this.options.shutdown.aborted) return { ok: false, ...holdId, refusal: refusalFor(decision, 'GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down; the held request was not forwarded') };
        if (session.terminated.aborted) return { ok: false, ...holdId, refusal: session.terminated.reason as Refusal };
        if (gone.reason === CANCELLED) return { ok: false, ...holdId, refusal: refusalFor(decision, 'REQUEST_CANCELLED', 'the caller cancelled the request while it was held') };
        return { ok: false, ...holdId, refusal: refusal('CALLER_GONE', 'the caller went away while the request was held') };
      }
      case 'unavailable':
        return { ok: false, refusal: refusalFor(decision, 'APPROVALS_UNAVAILABLE', result.message, result.detail) };
    }
  }

  /** Why a hold is withdrawn: the refusal its caller gets (or would, had it not gone). */
  private holdEndReason(gone: AbortSignal, session: Session): Refusal {
    if (this.options.shutdown.aborted) return refusal('GATEWAY_SHUTTING_DOWN', 'the gateway stopped while the request was held');
    if (session.terminated.aborted) return session.terminated.reason as Refusal;
    if (gone.reason === CANCELLED) return refusal('REQUEST_CANCELLED', 'the caller cancelled the request while it was held');
    return refusal('CALLER_GONE', 'the caller went away while the request was held');
  }

  private abortRefusal(gone: AbortSignal): Refusal {
    if (this.options.shutdown.aborted) return refusal('GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down');
    return gone.reason === CANCELLED ? refusal('REQUEST_CANCELLED', 'the caller cancelled the request') : refusal('CALLER_GONE', 'the caller went away');
  }

  /** A refusal after the request was recorded: the caller gets it, and so does the audit log. */
  private refuse(exchange: Exchange, request: Request, reason: Refusal, holdId: string | undefined): Ran {
    const status = exchange.refuse(reason, { requestId: request.requestId, ...(holdId ? { holdId } : {}) });
    this.complete(request, DENIALS.has(reason.code) ? 'denied' : 'failed', status, { refusal: reason });
    return { ok: false, refusal: reason };
  }

  /**
   * A request refused before any decision (no or bad token, unknown connection, bad request) still
   * leaves RequestReceived and RequestCompleted in the audit log, without delaying the answer.
   */
  private refuseEarly(exchange: Exchange, request: Request, reason: Refusal, principal: Principal | undefined, target: Target | undefined, sessionEvents: readonly GatewayEvent[]): void {
    const status = exchange.refuse(reason, { requestId: request.requestId });
    this.ports.events.recordLater([
      ...sessionEvents,
      { ...this.envelope(request), kind: 'requestReceived', protocol: exchange.protocol, ...(principal ? { principal } : {}), ...(target ? { target } : {}) },
    ]);
    this.complete(request, 'denied', status, { refusal: reason });
  }

  /**
   * A caller whose credential was refused: AuthenticationFailed (what a SIEM watches for attacks:
   * the code, the protocol, where from; never the credential) and RequestCompleted with the status.
   */
  private refuseUnauthenticated(exchange: Exchange, request: Request, reason: Refusal, opening: SessionOpening, issuer?: string): void {
    const status = exchange.refuse(reason, { requestId: request.requestId });
    const sample: AuthFailureSample = {
      connection: request.connection,
      message: reason.message,
      clientAddress: opening.clientAddress,
      credentialType: opening.token === undefined ? '' : (opening.credentialType ?? 'jwt'),
      issuer: issuer ?? '',
      asked: (opening.asked ?? '').slice(0, 200),
    };
    // A flood from one source is counted, not recorded request by request (its summary follows).
    const own = this.options.authFailures?.note({ source: sourceOf(opening.clientAddress), code: reason.code, protocol: exchange.protocol }, sample) ?? true;
    if (!own) return;
    this.ports.events.recordLater([{ ...this.envelope(request), kind: 'authenticationFailed', code: reason.code, protocol: exchange.protocol, ...sample, count: 1 }]);
    this.complete(request, 'denied', status, { refusal: reason });
  }

  /** Records the summaries of pre-authentication refusal windows that ended (all of them when stopping). */
  drainAuthFailures(all = false): number {
    const summaries = this.options.authFailures?.drain(all) ?? [];
    if (summaries.length === 0) return 0;
    this.ports.events.recordLater(
      summaries.map((summary) => ({
        ...this.envelope({ requestId: '', sessionId: '', connection: summary.sample.connection }),
        kind: 'authenticationFailed' as const,
        code: summary.key.code,
        protocol: summary.key.protocol,
        ...summary.sample,
        count: summary.count,
        window: { start: new Date(summary.windowStart), end: new Date(summary.windowEnd) },
      })),
    );
    return summaries.length;
  }

  /** Records the last event of a request without delaying the caller. */
  private complete(
    request: Request,
    outcome: Outcome,
    status: ProtocolStatus,
    extra: { refusal?: Refusal; masked?: Readonly<Record<string, number>>; responseBytes?: number; rows?: number; commandTags?: readonly string[] },
  ): void {
    const durationMs = this.ports.clock.monotonic() - request.startedAt;
    this.ports.log.completed({
      requestId: request.requestId,
      sessionId: request.sessionId,
      connection: request.connection,
      ...(request.principal ? { principal: request.principal } : {}),
      outcome,
      status,
      durationMs,
      ...(extra.refusal ? { code: extra.refusal.code, ...(extra.refusal.detail ? { detail: extra.refusal.detail } : {}) } : {}),
    });
    this.ports.events.recordLater([
      {
        ...this.envelope(request),
        kind: 'requestCompleted',
        outcome,
        status,
        durationUs: durationMs * 1000,
        masked: extra.masked ?? {},
        responseBytes: extra.responseBytes ?? 0,
        rows: extra.rows ?? 0,
        ...(extra.commandTags ? { commandTags: extra.commandTags } : {}),
        ...(extra.refusal ? { errorCode: extra.refusal.code } : {}),
        reasons: extra.refusal?.reasons ?? [],
      },
    ]);
  }

  private decisionEvent(context: RequestContext, decision: Decision, fromCache: boolean): GatewayEvent {
    return { ...this.envelope(context), kind: 'decisionMade', decision, fromCache };
  }

  private takeUnrecorded(session: Session): GatewayEvent[] {
    const started = this.unrecorded.get(session);
    if (!started) return [];
    this.unrecorded.delete(session);
    return [started];
  }

  private connectionName(exchange: Exchange): string {
    return this.options.connections.has(exchange.connection, exchange.protocol) ? exchange.connection : UNKNOWN_CONNECTION;
  }

  /** A fresh event envelope: its id is the JetStream dedupe key and the audit key. */
  private envelope(about: { readonly requestId: string; readonly sessionId: string; readonly connection: string }) {
    return { id: this.ports.ids.next(), occurredAt: new Date(this.ports.clock.now()), requestId: about.requestId, sessionId: about.sessionId, connection: about.connection };
  }
}

/** The budget of a flow without limits. */
const UNLIMITED = { reserve: () => undefined, release: () => undefined };

/** Sessions a revocation must reach, counted: a resumed session is live while any request or stream of it is. */
class LiveSessions {
  private readonly counts = new Map<Session, number>();

  add(session: Session): void {
    this.counts.set(session, (this.counts.get(session) ?? 0) + 1);
  }

  release(session: Session): void {
    const count = (this.counts.get(session) ?? 0) - 1;
    if (count > 0) this.counts.set(session, count);
    else this.counts.delete(session);
  }

  /** A closed session is gone whatever still holds it. */
  forget(session: Session): void {
    this.counts.delete(session);
  }

  all(): Session[] {
    return [...this.counts.keys()];
  }
}

/** A client address without its port ("10.0.0.1:5123" -> "10.0.0.1", "[::1]:80" / "::1:80" -> "::1"). */
function sourceOf(clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(':');
  return (colon > 0 ? clientAddress.slice(0, colon) : clientAddress).replace(/^\[|\]$/g, '');
}

function credentialOf(opening: SessionOpening): { readonly value: string; readonly type: 'jwt' | 'saml' } {
  return { value: opening.token ?? '', type: opening.credentialType ?? 'jwt' };
}

/**
 * Why a keep-alive session ends: its principal expired, identity now refuses the credential that
 * opened it (`ownVerdict`, only when it is that same credential), or the connection moved on.
 */
function endReason(stale: Refusal | undefined, ownVerdict: { ok: boolean; refusal?: Refusal } | undefined): SessionEndReason {
  if (stale?.code === 'TOKEN_EXPIRED') return 'principal_expired';
  if (ownVerdict && !ownVerdict.ok) return ownVerdict.refusal?.code === 'TOKEN_EXPIRED' ? 'principal_expired' : 'revoked';
  return 'closed';
}

function mergeCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  const merged: Record<string, number> = { ...a };
  for (const [key, count] of Object.entries(b)) merged[key] = (merged[key] ?? 0) + count;
  return merged;
}
