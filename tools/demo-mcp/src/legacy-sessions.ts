import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { DemoServer } from './demo-server.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { jsonRpcError } from './json-rpc-error.js';

interface Session {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly instance: DemoServer;
}

/** The stateful 2025-11-25 leg: one transport and one server instance per `Mcp-Session-Id`. */
export interface LegacySessions {
  fetch(request: Request): Promise<Response>;
  /** Applies `update` to the server instance of every open session. */
  forEach(update: (instance: DemoServer) => void): void;
  /** Ends every session (their SSE streams close). */
  close(): Promise<void>;
}

/**
 * A request naming a session goes to that session's transport, or gets 404 when the session is
 * unknown or ended (the spec's signal to start a new one). A request naming none gets a fresh
 * transport: the SDK answers an `initialize` by issuing a session id, and anything else with its
 * own 400, after which the unused instance is closed again.
 */
export function createLegacySessions(newInstance: () => DemoServer, onError?: (error: Error) => void): LegacySessions {
  const sessions = new Map<string, Session>();

  const open = async (): Promise<Session> => {
    const instance = newInstance();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new InMemoryEventStore(),
      onsessioninitialized: (id) => void sessions.set(id, session),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    const session = { transport, instance };
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    if (onError) transport.onerror = onError;
    await instance.server.connect(transport);
    return session;
  };

  return {
    async fetch(request) {
      const sessionId = request.headers.get('mcp-session-id');
      if (sessionId !== null) {
        const session = sessions.get(sessionId);
        return session ? session.transport.handleRequest(request) : jsonRpcError(404, -32001, 'Session not found');
      }
      const session = await open();
      const response = await session.transport.handleRequest(request);
      if (session.transport.sessionId === undefined) await session.instance.server.close();
      return response;
    },
    forEach(update) {
      for (const { instance } of sessions.values()) update(instance);
    },
    async close() {
      const ending = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(ending.map(({ instance }) => instance.server.close()));
    },
  };
}
