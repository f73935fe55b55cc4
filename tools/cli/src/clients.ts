// The only file that talks gRPC, over mutual TLS (the server must be the service named). Each call
// carries the bearer token and a deadline; every failure leaves as a CallError (status name + portcullis-reason), so commands never see grpc-js types.
import * as grpc from '@grpc/grpc-js';
import { selectorToProto, type RevocationSelector } from '@portcullis/identity-client';
import { approvalsV1, auditV1, identityV1, policyV1 } from '@portcullis/proto-gen';
import { clientCredentials, tlsChannelOptions } from '@portcullis/service-kit';
import { CallError, type ServiceName } from './errors.js';

/** One ListHolds page: what to list, and where the previous page ended. */
export interface HoldsQuery {
  readonly includeResolved: boolean;
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly requester?: string;
  readonly connection?: string;
}

export interface ApprovalsApi {
  listHolds(query: HoldsQuery): Promise<approvalsV1.ListHoldsResponse>;
  approve(id: string): Promise<approvalsV1.Hold>;
  deny(id: string, reason: string): Promise<approvalsV1.Hold>;
  listGrants(includeInactive: boolean): Promise<approvalsV1.Grant[]>;
  revokeGrant(id: string, reason: string): Promise<approvalsV1.Grant>;
  close(): void;
}

export interface IdentityApi {
  revoke(selector: RevocationSelector, reason: string, forMs: number | undefined): Promise<identityV1.RevokeResponse>;
  unrevoke(selector: RevocationSelector): Promise<identityV1.UnrevokeResponse>;
  list(): Promise<identityV1.Revocation[]>;
  close(): void;
}

export interface AuditApi {
  listEvents(requestId: string): Promise<auditV1.AuditRecord[]>;
  listSessionEvents(sessionId: string): Promise<auditV1.AuditRecord[]>;
  verifyChain(): Promise<auditV1.VerifyChainResponse>;
  close(): void;
}

export interface PolicyApi {
  put(name: string, text: string): Promise<policyV1.PutPolicyResponse>;
  check(name: string, text: string): Promise<policyV1.CheckPolicyResponse>;
  delete(name: string): Promise<policyV1.DeletePolicyResponse>;
  list(): Promise<policyV1.ListPoliciesResponse>;
  get(name: string): Promise<policyV1.GetPolicyResponse>;
  explain(request: policyV1.ExplainRequest): Promise<policyV1.ExplainResponse>;
  close(): void;
}

/** The CLI's mutual TLS: the CA the services' certificates are verified against, its own certificate and key (PEM). */
export interface CliTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface Endpoint {
  readonly address: string;
  readonly token: string;
  readonly tls: CliTls;
  readonly deadlineMs: number;
}

export function grpcApprovalsApi(endpoint: Endpoint): ApprovalsApi {
  const client = new approvalsV1.ApprovalsServiceClient(endpoint.address, clientCredentials(endpoint.tls, 'approvals'), tlsChannelOptions('approvals'));
  const call = caller('approvals', endpoint);
  return {
    listHolds: async (query) => call(client.listHolds.bind(client), approvalsV1.ListHoldsRequest.fromPartial(query)),
    approve: async (id) => holdOf(endpoint, (await call(client.approve.bind(client), { id })).hold),
    deny: async (id, reason) => holdOf(endpoint, (await call(client.deny.bind(client), { id, reason })).hold),
    listGrants: async (includeInactive) => (await call(client.listGrants.bind(client), { includeInactive })).grants,
    revokeGrant: async (id, reason) => {
      const { grant } = await call(client.revokeGrant.bind(client), { id, reason });
      if (!grant) throw new CallError('approvals', endpoint.address, 'INTERNAL', undefined, 'the response carried no grant');
      return grant;
    },
    close: () => client.close(),
  };
}

export function grpcIdentityApi(endpoint: Endpoint): IdentityApi {
  const client = new identityV1.IdentityServiceClient(endpoint.address, clientCredentials(endpoint.tls, 'identity'), tlsChannelOptions('identity'));
  const call = caller('identity', endpoint);
  return {
    revoke: (selector, reason, forMs) =>
      call(client.revoke.bind(client), { selector: selectorToProto(selector), reason, duration: forMs === undefined ? undefined : { seconds: BigInt(Math.floor(forMs / 1000)), nanos: (forMs % 1000) * 1e6 } }),
    unrevoke: (selector) => call(client.unrevoke.bind(client), { selector: selectorToProto(selector) }),
    list: async () => (await call(client.listRevocations.bind(client), {})).revocations,
    close: () => client.close(),
  };
}

export function grpcAuditApi(endpoint: Endpoint): AuditApi {
  const client = new auditV1.AuditServiceClient(endpoint.address, clientCredentials(endpoint.tls, 'audit'), tlsChannelOptions('audit'));
  const call = caller('audit', endpoint);
  return {
    listEvents: async (requestId) => (await call(client.listEvents.bind(client), { requestId, sessionId: '' })).records,
    listSessionEvents: async (sessionId) => (await call(client.listEvents.bind(client), { requestId: '', sessionId })).records,
    verifyChain: () => call(client.verifyChain.bind(client), {}),
    close: () => client.close(),
  };
}

export function grpcPolicyApi(endpoint: Endpoint): PolicyApi {
  const client = new policyV1.PolicyServiceClient(endpoint.address, clientCredentials(endpoint.tls, 'policy'), tlsChannelOptions('policy'));
  const call = caller('policy', endpoint);
  return {
    put: (name, text) => call(client.putPolicy.bind(client), { name, text }),
    check: (name, text) => call(client.checkPolicy.bind(client), { name, text }),
    delete: (name) => call(client.deletePolicy.bind(client), { name }),
    list: () => call(client.listPolicies.bind(client), {}),
    get: (name) => call(client.getPolicy.bind(client), { name }),
    explain: (request) => call(client.explain.bind(client), request),
    close: () => client.close(),
  };
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (err: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

function caller(service: ServiceName, endpoint: Endpoint) {
  return <Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${endpoint.token}`);
    return new Promise((resolve, reject) => {
      method(request, metadata, { deadline: Date.now() + endpoint.deadlineMs }, (err, response) =>
        err ? reject(toCallError(service, endpoint.address, err)) : resolve(response),
      );
    });
  };
}

function toCallError(service: ServiceName, address: string, err: grpc.ServiceError): CallError {
  const reason = err.metadata?.get('portcullis-reason')[0];
  return new CallError(
    service,
    address,
    grpc.status[err.code] ?? `STATUS_${err.code}`,
    typeof reason === 'string' && reason !== '' ? reason : undefined,
    err.details ?? '',
    problemsOf(err.metadata),
  );
}

/** The problems a policy refusal carries in its `portcullis-policy-problems-bin` trailer. */
function problemsOf(metadata: grpc.Metadata | undefined): CallError['problems'] {
  const raw = metadata?.get('portcullis-policy-problems-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    const { problems, total } = policyV1.PolicyProblems.decode(raw);
    return { problems, total: Math.max(total, problems.length) };
  } catch {
    return undefined;
  }
}

function holdOf(endpoint: Endpoint, hold: approvalsV1.Hold | undefined): approvalsV1.Hold {
  if (!hold) throw new CallError('approvals', endpoint.address, 'INTERNAL', undefined, 'the response carried no hold');
  return hold;
}

/** A pinned MCP tool, as the gateway's admin API lists it. */
export interface ToolPin {
  readonly connection: string;
  readonly tool: string;
  readonly status: 'pinned' | 'changed';
  readonly approvedDigest: string;
  readonly approvedBy: string;
  readonly pendingDigest?: string;
  readonly pendingDefinition?: unknown;
}

export interface McpToolsApi {
  list(connection?: string): Promise<ToolPin[]>;
  approve(connection: string, tool: string, digest: string): Promise<{ connection: string; tool: string; digest: string; previousDigest: string; approvedBy: string }>;
}

/** The gateway's tool-pinning admin API over HTTP; failures are CliHttpError with the server's message. */
export function httpMcpToolsApi(endpoint: { readonly url: string; readonly token: string; readonly deadlineMs: number }): McpToolsApi {
  const call = async <T>(path: string, init: { method: string; body?: unknown }): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, endpoint.url), {
        method: init.method,
        headers: { authorization: `Bearer ${endpoint.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(endpoint.deadlineMs),
      });
    } catch (err) {
      throw new CliHttpError(`the gateway at ${endpoint.url} is unreachable (${(err as Error).name === 'TimeoutError' ? 'timed out' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message)})`);
    }
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (!res.ok) throw new CliHttpError(`${body?.error?.code ?? `HTTP ${res.status}`}: ${body?.error?.message ?? 'the gateway refused the request'}`);
    return body as T;
  };
  return {
    list: async (connection) => (await call<{ tools: ToolPin[] }>(`/admin/mcp/tools${connection ? `?connection=${encodeURIComponent(connection)}` : ''}`, { method: 'GET' })).tools,
    approve: (connection, tool, digest) => call('/admin/mcp/tools/approve', { method: 'POST', body: { connection, tool, digest } }),
  };
}

export class CliHttpError extends Error {}
