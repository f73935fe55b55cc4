import { randomUUID } from 'node:crypto';
import { newEvent } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';

// The events a gateway emits, in the proportions and sizes it emits them: sessions of one to four
// requests over HTTP, MCP and PostgreSQL, each request received (with its principal and target),
// decided and completed. Encoded events are ~130–910 bytes, ~460 on average (SessionEnded smallest,
// RequestReceived largest: its principal carries the token's claims).

const POLICY_VERSION = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TARGETS: readonly NonNullable<eventsV1.RequestReceived['target']>[] = [
  { $case: 'http', value: { method: 'GET', path: '/v1/customers/4711/orders', query: 'status=open&limit=50', headers: [{ name: 'accept', value: 'application/json' }, { name: 'user-agent', value: 'crm-sync/2.4.1' }] } },
  {
    $case: 'http',
    value: { method: 'POST', path: '/v1/tickets/88231/comments', query: '', headers: [{ name: 'content-type', value: 'application/json' }, { name: 'accept', value: 'application/json' }, { name: 'user-agent', value: 'crm-sync/2.4.1' }] },
  },
  {
    $case: 'mcp',
    value: { method: 'tools/call', name: 'crm__search_customers', argumentsJson: '{"filter":{"country":"DE","segment":"enterprise"},"limit":25,"query":"renewal due"}' },
  },
  { $case: 'mcp', value: { method: 'resources/read', name: 'crm://accounts/acme-gmbh/contracts', argumentsJson: '' } },
  {
    $case: 'sql',
    value: {
      statement: 'select o.id, o.total, o.created_at, c.name from orders o join customers c on c.id = o.customer_id where c.id = $1 and o.created_at > $2 order by o.created_at desc limit 100',
      parameters: [{ value: { $case: 'text', value: '4711' } }, { value: { $case: 'text', value: '2026-01-01T00:00:00Z' } }],
    },
  },
];

const PROTOCOL: Record<NonNullable<eventsV1.RequestReceived['target']>['$case'], string> = { http: 'http', mcp: 'mcp', sql: 'postgresql' };

/** Makes realistic event sequences; deterministic in shape, fresh in ids. */
export class EventMix {
  private n = 0;

  constructor(private readonly source = 'ingress:bench-7f3a9c') {}

  /** The events of one session, in the order the gateway emits them. */
  session(): eventsV1.Event[] {
    const n = this.n++;
    const sessionId = randomUUID();
    const connection = ['crm', 'billing', 'warehouse'][n % 3]!;
    const principal = {
      subject: `spiffe://prod.example.com/ns/agents/sa/crm-sync-${n % 50}`,
      clientId: `crm-sync-agent-${n % 50}`,
      groups: ['agents', 'crm-readers', 'eu-data-processing'],
      issuer: 'https://idp.example.com/realms/agents',
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: ['crm:read', 'tickets:write'],
      kind: 'machine',
      // A client-credentials access token's claims, as identity carries them (canonical JSON).
      claimsJson: `{"aud":"portcullis","azp":"crm-sync-agent-${n % 50}","client_id":"crm-sync-agent-${n % 50}","exp":1796000000,"groups":["agents","crm-readers","eu-data-processing"],"iat":1795996400,"iss":"https://idp.example.com/realms/agents","jti":"${randomUUID()}","scope":"crm:read tickets:write","sub":"crm-sync-agent-${n % 50}"}`,
      tokenId: randomUUID(),
    };
    const target = TARGETS[n % TARGETS.length]!;
    const protocol = PROTOCOL[target.$case];
    const envelope = (requestId: string, body: eventsV1.Event['body']) =>
      newEvent({ requestId, connection, source: this.source, sessionId, body: body! });
    const requests = 1 + (n % 4);
    const events = [envelope('', { $case: 'sessionStarted', value: { principal, protocol, clientAddress: '10.20.30.40:51234', clientUser: '', applicationName: '' } })];
    for (let r = 0; r < requests; r++) {
      const requestId = randomUUID();
      events.push(
        envelope(requestId, { $case: 'requestReceived', value: { principal, protocol, target } }),
        envelope(requestId, {
          $case: 'decisionMade',
          value: {
            decision: { effect: 1, reasons: ['rule:agents-read-crm', 'rule:business-hours-eu'], message: 'Agents may read the CRM during EU business hours.', maskingProfiles: ['pii', 'payment-cards'], approval: undefined, policyVersion: POLICY_VERSION, decidedBy: 'policy:5d2e8a', cacheable: true },
            fromCache: r > 0,
          },
        }),
        envelope(requestId, {
          $case: 'requestCompleted',
          value: {
            outcome: eventsV1.Outcome.OUTCOME_FORWARDED,
            status: target.$case === 'sql' ? { $case: 'sqlstate', value: '00000' } : target.$case === 'mcp' ? { $case: 'jsonrpcCode', value: 0 } : { $case: 'httpStatus', value: 200 },
            durationUs: 1834n,
            masked: { email: 3, phone: 1, iban: 1 },
            responseBytes: 18_342n,
            errorCode: '',
            reasons: ['rule:agents-read-crm', 'rule:business-hours-eu'],
            rows: target.$case === 'sql' ? 42n : 0n,
            commandTags: target.$case === 'sql' ? ['SELECT 42'] : [],
          },
        }),
      );
    }
    events.push(envelope('', { $case: 'sessionEnded', value: { reason: eventsV1.SessionEndReason.SESSION_END_REASON_CLOSED, requests, durationUs: 25_000n } }));
    return events;
  }

  /** At least `count` events: whole sessions. */
  events(count: number): eventsV1.Event[] {
    const out: eventsV1.Event[] = [];
    while (out.length < count) out.push(...this.session());
    return out;
  }
}
