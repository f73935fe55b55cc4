// Ingress is the data path. It owns no decision: it verifies the caller through identity, asks
// policy, durably records RequestReceived/DecisionMade, holds through approvals, forwards with the
// credential it alone holds, masks the response in-process with the profiles the masking service
// publishes, and records the completion. It
// decides only one thing itself: when any of those parts cannot answer, the request is refused
// (fail closed). It keeps no state between requests, so instances scale horizontally.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BusNames, connectBus, ensureStreams, EventPublisher, type Bus } from '@portcullis/bus';
import { IdentityClient } from '@portcullis/identity-client';
import type { App, Logger } from '@portcullis/service-kit';
import type { IngressConfig } from './config.js';
import { Gatekeeper, SHUTTING_DOWN } from './domain/gatekeeper.js';
import { EventsRecorder } from './bus/events.recorder.js';
import { NatsPolicyDecider } from './bus/policy.decider.js';
import { ApprovalGate } from './grpc/approval.gate.js';
import { MaskingProfiles } from './grpc/masking-profiles.client.js';
import { HttpProxyHandler, type HttpConnection } from './http/http.handler.js';
import { writeRefusal } from './http/refusal.http.js';
import { refusal } from './domain/refusal.js';
import { UpstreamForwarder } from './http/upstream.forwarder.js';

export interface IngressApp extends App {
  readonly httpPort: () => number;
}

export function createApp(config: IngressConfig, logger: Logger): IngressApp {
  const names = new BusNames(config.namespace);
  const identity = new IdentityClient({ address: config.identityAddress });
  const masking = new MaskingProfiles(config.maskingAddress, logger);
  const connections = new Map<string, HttpConnection>(
    config.connections.map((c) => [c.config.name, { config: c.config, forwarder: new UpstreamForwarder(c.config, c.credential) }]),
  );
  let bus: Bus | undefined;
  let recorder: EventsRecorder | undefined;
  let approvals: ApprovalGate | undefined;
  let server: Server | undefined;
  let ready = false;
  let busConnected = false;
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();

  return {
    httpPort: () => (server?.address() as AddressInfo | null)?.port ?? 0,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: `ingress:${config.instanceId}` });
      busConnected = true;
      // Not ready while NATS is reconnecting: every request would be refused meanwhile.
      void (async () => {
        for await (const status of bus!.nc.status()) {
          if (status.type === 'disconnect') busConnected = false;
          if (status.type === 'reconnect') busConnected = true;
        }
      })().catch(() => undefined);
      await ensureStreams(bus.jsm, names);
      recorder = new EventsRecorder(new EventPublisher(bus.js, names), logger);
      approvals = new ApprovalGate(config.approvalsAddress, bus.nc, names, logger);
      const gatekeeper = new Gatekeeper(
        { identity, policy: new NatsPolicyDecider(bus.nc, names.policyDecide, config.decisionTimeoutMs), events: recorder, approvals },
        `ingress:${config.instanceId}`,
      );
      const proxy = new HttpProxyHandler(shutdown.signal, gatekeeper, connections, masking, logger);
      masking.start();

      server = createServer((req, res) => {
        if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        if (req.url === '/readyz') {
          // Ready once it can serve: bus connected and masking profiles loaded.
          const ok = ready && masking.loaded && busConnected && !bus!.nc.isClosed();
          return void res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
        }
        if (!ready) return void writeRefusal(res, refusal('GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down'), undefined);
        // Bounded memory: every request may buffer a body and a response.
        if (inFlight.size >= config.maxInFlight) return void writeRefusal(res, refusal('GATEWAY_BUSY', 'too many requests in flight; retry later'), undefined);
        const work = proxy.handle(req, res).catch((err: unknown) => {
          logger.error({ err }, 'request failed unexpectedly');
          writeRefusal(res, refusal('INTERNAL', 'the gateway could not process the request'), undefined);
        });
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      });
      server.keepAliveTimeout = 65_000;
      // Slow senders get seconds, not minutes (held requests wait on the response side, unaffected).
      server.headersTimeout = 10_000;
      server.requestTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.httpAddress.port, config.httpAddress.host, () => resolve());
      });
      ready = true;
      logger.info({ address: `${config.httpAddress.host}:${(server.address() as AddressInfo).port}`, connections: [...connections.keys()] }, 'ingress listening');
    },
    async stop() {
      ready = false;
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        // Held requests are released (refused, never forwarded); the rest may finish (bounded).
        shutdown.abort(SHUTTING_DOWN);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
        s.closeAllConnections();
        await closed;
      }
      await recorder?.flush();
      approvals?.close();
      identity.close();
      masking.stop();
      for (const c of connections.values()) c.forwarder.close();
      await bus?.close();
    },
  };
}
