import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { authenticationOk, backendKeyData, errorResponse, parameterStatus, readyForQuery } from '@portcullis/pg-wire';
import { credentialFromPassword } from '@portcullis/identity-client';
import type { Logger } from '@portcullis/service-kit';
import type { PostgresListenerSettings } from '../config.js';
import type { ProtocolStatus } from '../domain/events.js';
import type { Exchange } from '../domain/exchange.js';
import type { Refusal } from '../domain/refusal.js';
import type { RequestFlow } from '../domain/request-flow.js';
import { Listener } from '../listener/listener.js';
import type { PgConnectionRuntime } from './pg.connection.js';
import { PgSession } from './pg.session.js';
import { pgErrorFor, refusalFields } from './refusal.pg.js';
import { negotiate } from './startup.js';
import { loginUpstream } from './upstream.js';

/**
 * The gateway's PostgreSQL listener: a client connects with dbname = a connection's name and its
 * token as the password; the gateway verifies the token, logs in to the database with the
 * credential it alone holds, and serves the connection as one session (PgSession). Cancel requests
 * are routed by the key the gateway handed out, never the database's own.
 */
export function createPgListener(flow: RequestFlow, connections: ReadonlyMap<string, PgConnectionRuntime>, settings: PostgresListenerSettings, logger: Logger): Listener {
  const server = createServer({ noDelay: true, pauseOnConnect: true });
  const listener = new Listener(server, { name: 'postgres', host: settings.address.host, port: settings.address.port, maxInFlight: settings.maxConnections, drainMs: 10_000 }, logger);
  const sessions = new Map<string, PgSession>();

  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined); // each phase watches 'close'; an 'error' must never go unhandled
    socket.setNoDelay(true);
    const admission = listener.admission();
    if (admission) {
      const [code, message] = admission === 'busy' ? ['53300', 'sorry, too many clients already'] : ['57P03', 'the gateway is shutting down'];
      socket.end(errorResponse({ severity: 'FATAL', code, message }));
      return;
    }
    listener.track(serve(socket));
  });

  listener.shutdown.addEventListener('abort', () => {
    for (const session of sessions.values()) session.shutdown();
  });

  async function serve(socket: Socket): Promise<void> {
    const clientAddress = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
    const negotiated = await negotiate(socket, { tls: settings.tls, maxMessageBytes: settings.maxMessageBytes, timeoutMs: settings.startupTimeout });
    if (negotiated.kind === 'ended') return;
    if (negotiated.kind === 'cancel') {
      sessions.get(cancelKey(negotiated.processId, negotiated.secretKey))?.cancel();
      return;
    }
    const client = negotiated.socket;
    const fatal = (code: string, message: string) => {
      client.end(errorResponse({ severity: 'FATAL', code, message }));
    };
    const opened = await flow.open(
      { protocol: 'sql', token: negotiated.password, credentialType: credentialFromPassword(negotiated.password).type, asked: `database=${negotiated.database} user=${negotiated.user}`.slice(0, 200), clientAddress, clientUser: negotiated.user, ...(negotiated.parameters.application_name !== undefined ? { applicationName: negotiated.parameters.application_name } : {}) },
      new LoginRefusal(client, negotiated.database),
    );
    if (!opened.ok) return;
    const session = opened.session;
    const principal = session.principal;
    // The user name is the caller's to choose only as far as it names the workload the token is for.
    if (negotiated.user !== principal.clientId && negotiated.user !== principal.subject) {
      fatal('28000', `user name "${negotiated.user}" does not match the token, which is for client "${principal.clientId || principal.subject}": connect with user=${principal.clientId || principal.subject}`);
      flow.close(session, 'closed');
      return;
    }
    const runtime = connections.get(negotiated.database);
    if (!runtime) {
      fatal('3D000', `database "${negotiated.database}" does not exist: the database name is the name of a gateway connection`);
      flow.close(session, 'closed');
      return;
    }
    const gone = new AbortController();
    const onClose = () => gone.abort();
    client.once('close', onClose);
    const upstream = await loginUpstream(runtime.connection, negotiated.parameters, gone.signal);
    client.off('close', onClose);
    if (!upstream.ok) {
      logger.warn({ connection: runtime.connection.config.name, sessionId: session.id, detail: upstream.detail }, 'database login failed');
      fatal('08006', upstream.message);
      flow.close(session, gone.signal.aborted ? 'gone' : 'closed');
      return;
    }
    if (client.destroyed) {
      upstream.login.socket.destroy();
      flow.close(session, 'gone');
      return;
    }

    const processId = randomBytes(4).readUInt32BE(0) & 0x7fffffff;
    const secretKey = randomBytes(4);
    const key = cancelKey(processId, secretKey);
    const pg = new PgSession(client, negotiated.reader, upstream.login, flow, session, runtime, { maxMessageBytes: settings.maxMessageBytes, readAheadBytes: Math.max(1 << 20, settings.maxMessageBytes) }, logger, () => sessions.delete(key));
    sessions.set(key, pg);
    if (session.terminated.aborted) return pg.revoked();
    session.terminated.addEventListener('abort', () => pg.revoked(), { once: true });
    client.cork();
    client.write(authenticationOk());
    for (const [name, value] of upstream.login.parameters) {
      // The caller sees its own user name, not the login the gateway holds for the database.
      client.write(parameterStatus(name, name === 'session_authorization' ? negotiated.user : value));
    }
    client.write(backendKeyData(processId, secretKey));
    client.write(readyForQuery('I'));
    client.uncork();
    if (listener.shutdown.aborted) pg.shutdown();
    await pg.run();
  }

  return listener;
}

function cancelKey(processId: number, secretKey: Buffer): string {
  return `${processId}:${secretKey.toString('hex')}`;
}

/**
 * The exchange a refused login is recorded with: the flow refuses a caller whose token it cannot
 * verify through it, and the client gets a FATAL ErrorResponse.
 */
class LoginRefusal implements Exchange {
  readonly protocol = 'sql' as const;
  readonly gone = new AbortController().signal;

  constructor(
    private readonly client: Socket,
    readonly connection: string,
  ) {}

  describe(): never {
    throw new Error('a login has nothing to describe');
  }

  forward(): never {
    throw new Error('a login is never forwarded');
  }

  respond(): never {
    throw new Error('a login has no reply');
  }

  refuse(reason: Refusal, info: { requestId?: string }): ProtocolStatus {
    const fields = refusalFields(reason, info);
    this.client.end(errorResponse({ ...fields, severity: 'FATAL' }));
    return { sqlstate: pgErrorFor(reason.code).code };
  }
}
