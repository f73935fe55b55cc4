// The CLI as a function: argv + env in, lines out, exit status back. No process globals, so every
// path (usage errors, missing token, service errors) is unit-tested with fake clients.
import { join } from 'node:path';
import { parseArgv, USAGE, type Command, type ConnectionFlags } from './args.js';
import { CliHttpError, type CliTls, type ApprovalsApi, type AuditApi, type Endpoint, type IdentityApi, type McpToolsApi, type PolicyApi } from './clients.js';
import { listRevocations, revokeIdentity, unrevokeIdentity } from './commands/identity.js';
import { approveTool, listTools } from './commands/mcp.js';
import { approveHold, denyHold, listGrants, listHolds, revokeGrant } from './commands/approvals.js';
import { showRequest, showSession, verifyChain } from './commands/audit.js';
import { applyPolicies, deletePolicy, explainRequest, listPolicies, showPolicy, testPolicies } from './commands/policy.js';
import { describeCallError, isCallError } from './errors.js';
import { nodeLocal, type Local } from './local.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  now(): Date;
}

export interface Clients {
  approvals(endpoint: Endpoint): ApprovalsApi;
  audit(endpoint: Endpoint): AuditApi;
  identity(endpoint: Endpoint): IdentityApi;
  policy(endpoint: Endpoint): PolicyApi;
  mcpTools(endpoint: { readonly url: string; readonly token: string; readonly deadlineMs: number }): McpToolsApi;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_APPROVALS_ADDR = '127.0.0.1:50053';
export const DEFAULT_AUDIT_ADDR = '127.0.0.1:50055';
export const DEFAULT_IDENTITY_ADDR = '127.0.0.1:50051';
export const DEFAULT_POLICY_ADDR = '127.0.0.1:50052';
export const DEFAULT_INGRESS_URL = 'http://127.0.0.1:8080';
export const DEADLINE_MS = 10_000;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export async function run(argv: readonly string[], env: Env, rawIo: Io, clients: Clients, local: Local = nodeLocal): Promise<number> {
  // Whatever happens below, the token never reaches the terminal.
  let io = redacting(rawIo, [env['PORTCULLIS_TOKEN'], ...tokensIn(argv)]);
  const parsed = parseArgv(argv);
  if (!parsed.ok) {
    io.err(`error: ${parsed.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { command, flags } = parsed;
  if (command.kind === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (command.kind === 'policy.test') return guarded(io, () => testPolicies(command.dir, io, local, command.config));
  const found = tokenOf(flags, env, local);
  if (!found.ok) {
    io.err(`error: ${found.message}`);
    return EXIT.usage;
  }
  const token = found.token;
  io = redacting(io, [token]);
  if (flags.token !== undefined) io.err('warning: --token puts the token on the command line, where other users of this machine can read it (ps, /proc); use PORTCULLIS_TOKEN or --token-file');
  // grpc-js would reject such a header value with an error that quotes it.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    io.err('error: the token contains spaces or characters that cannot be sent in a header');
    return EXIT.usage;
  }
  const tls = tlsOf(env, local);
  if (!tls.ok) {
    io.err(`error: ${tls.message}`);
    return EXIT.usage;
  }
  return guarded(io, () => dispatch(command, endpoints(flags, env, token, tls.material), io, clients, local, env));
}

/** The bearer token: --token-file, else --token, else PORTCULLIS_TOKEN; trimmed, never empty. */
function tokenOf(flags: ConnectionFlags, env: Env, local: Local): { ok: true; token: string } | { ok: false; message: string } {
  if (flags.tokenFile !== undefined && flags.token !== undefined) return { ok: false, message: 'give the token once: --token-file or --token, not both' };
  if (flags.tokenFile !== undefined) {
    let text: string;
    try {
      text = local.readFile(flags.tokenFile);
    } catch (err) {
      return { ok: false, message: `cannot read the token file ${flags.tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    const token = text.trim();
    return token ? { ok: true, token } : { ok: false, message: `the token file ${flags.tokenFile} is empty` };
  }
  const token = (flags.token ?? env['PORTCULLIS_TOKEN'] ?? '').trim();
  if (token) return { ok: true, token };
  return { ok: false, message: "no token: set PORTCULLIS_TOKEN or pass --token-file <path> (an approver's, auditor's, policy or identity admin's bearer token)" };
}

/**
 * What the CLI speaks mutual TLS with: the CA it verifies the services against and its own
 * certificate and key (env PORTCULLIS_TLS_CA/_CERT/_KEY, else the dev PKI `npm start` makes).
 */
function tlsOf(env: Env, local: Local): { ok: true; material: CliTls } | { ok: false; message: string } {
  const pick = (name: string, file: string) => env[name]?.trim() || join(local.tlsDir, file);
  const files = { ca: pick('PORTCULLIS_TLS_CA', 'ca.pem'), cert: pick('PORTCULLIS_TLS_CERT', 'cli.pem'), key: pick('PORTCULLIS_TLS_KEY', 'cli.key') };
  const what = { ca: 'the CA certificate (PORTCULLIS_TLS_CA)', cert: 'the CLI certificate (PORTCULLIS_TLS_CERT)', key: 'the CLI key (PORTCULLIS_TLS_KEY)' } as const;
  const material: Partial<Record<keyof typeof files, Buffer>> = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    try {
      material[part] = Buffer.from(local.readFile(files[part]));
    } catch (err) {
      return { ok: false, message: `cannot read ${what[part]} ${files[part]} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the services speak mutual TLS only: run \`npm start\` once to make the development certificates in .portcullis/tls/, or set PORTCULLIS_TLS_CA, PORTCULLIS_TLS_CERT and PORTCULLIS_TLS_KEY` };
    }
  }
  return { ok: true, material: material as CliTls };
}

/** Runs a command; a failure becomes one line and exit 1. */
async function guarded(io: Io, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    if (err instanceof CliHttpError) {
      io.err(`error: ${err.message}`);
      return EXIT.failed;
    }
    io.err(`error: ${isCallError(err) ? describeCallError(err, DEADLINE_MS) : `unexpected failure: ${(err as Error)?.message ?? String(err)}`}`);
    return EXIT.failed;
  }
}

type Endpoints = { approvals: Endpoint; identity: Endpoint; audit: Endpoint; policy: Endpoint; ingress: { url: string; token: string; deadlineMs: number } };

function endpoints(flags: ConnectionFlags, env: Env, token: string, tls: CliTls): Endpoints {
  const pick = (flag: string | undefined, name: string, fallback: string) => flag?.trim() || env[name]?.trim() || fallback;
  return {
    approvals: { address: pick(flags.approvals, 'APPROVALS_GRPC_ADDR', DEFAULT_APPROVALS_ADDR), token, tls, deadlineMs: DEADLINE_MS },
    identity: { address: pick(flags.identity, 'IDENTITY_GRPC_ADDR', DEFAULT_IDENTITY_ADDR), token, tls, deadlineMs: DEADLINE_MS },
    audit: { address: pick(flags.audit, 'AUDIT_GRPC_ADDR', DEFAULT_AUDIT_ADDR), token, tls, deadlineMs: DEADLINE_MS },
    policy: { address: pick(flags.policy, 'POLICY_GRPC_ADDR', DEFAULT_POLICY_ADDR), token, tls, deadlineMs: DEADLINE_MS },
    ingress: { url: pick(flags.ingress, 'PORTCULLIS_INGRESS_URL', DEFAULT_INGRESS_URL), token, deadlineMs: DEADLINE_MS },
  };
}

async function dispatch(command: Exclude<Command, { kind: 'help' | 'policy.test' }>, endpoint: Endpoints, io: Io, clients: Clients, local: Local, env: Env): Promise<number> {
  if (isPolicyCommand(command)) return dispatchPolicy(command, clients.policy(endpoint.policy), io, local);
  if (command.kind === 'identity.revoke' || command.kind === 'identity.unrevoke' || command.kind === 'identity.revocations') {
    const api = clients.identity(endpoint.identity);
    try {
      if (command.kind === 'identity.revoke') return await revokeIdentity(api, command, io);
      if (command.kind === 'identity.unrevoke') return await unrevokeIdentity(api, command.selector, io);
      return await listRevocations(api, command, io);
    } finally {
      api.close();
    }
  }
  if (command.kind === 'mcp.tools.list') return listTools(clients.mcpTools(endpoint.ingress), command, io);
  if (command.kind === 'mcp.tools.approve') return approveTool(clients.mcpTools(endpoint.ingress), command, io);
  if (command.kind === 'audit.verify' || command.kind === 'audit.show' || command.kind === 'audit.session') {
    const api = clients.audit(endpoint.audit);
    try {
      if (command.kind === 'audit.verify') return await verifyChain(api, command, io);
      return command.kind === 'audit.show' ? await showRequest(api, command.requestId, command, io) : await showSession(api, command.sessionId, command, io);
    } finally {
      api.close();
    }
  }
  const api = clients.approvals(endpoint.approvals);
  try {
    switch (command.kind) {
      case 'approvals.list':
        return await listHolds(api, command, io);
      case 'approvals.approve':
        return await approveHold(api, command.id, io, releaseWaitMs(env));
      case 'approvals.deny':
        return await denyHold(api, command.id, command.reason, io);
      case 'approvals.grants':
        return await listGrants(api, command, io);
      case 'approvals.revoke':
        return await revokeGrant(api, command.id, command.reason, io);
    }
  } finally {
    api.close();
  }
}

type PolicyCommand = Extract<Command, { kind: 'policy.apply' | 'policy.list' | 'policy.show' | 'policy.delete' | 'policy.explain' }>;

function isPolicyCommand(command: Command): command is PolicyCommand {
  return command.kind.startsWith('policy.') && command.kind !== 'policy.test';
}

async function dispatchPolicy(command: PolicyCommand, api: PolicyApi, io: Io, local: Local): Promise<number> {
  try {
    switch (command.kind) {
      case 'policy.apply':
        return await applyPolicies(api, command.files, io, local);
      case 'policy.list':
        return await listPolicies(api, command, io);
      case 'policy.show':
        return await showPolicy(api, command.name, command, io);
      case 'policy.delete':
        return await deletePolicy(api, command.name, io);
      case 'policy.explain':
        return await explainRequest(api, command.request, command, io);
    }
  } finally {
    api.close();
  }
}

/** How long `approvals approve` waits to say whether the gateway forwarded the released request. */
function releaseWaitMs(env: Env): number {
  const value = Number(env['PORTCULLIS_RELEASE_WAIT_MS'] ?? 5000);
  return Number.isFinite(value) && value >= 0 ? Math.min(value, 60_000) : 5000;
}

/** Values given with --token / --token=…, found even when the rest of argv does not parse. */
function tokensIn(argv: readonly string[]): string[] {
  return argv.flatMap((arg, i) => {
    if (arg === '--token') return argv[i + 1] !== undefined ? [argv[i + 1] as string] : [];
    return arg.startsWith('--token=') ? [arg.slice('--token='.length)] : [];
  });
}

function redacting(io: Io, secrets: readonly (string | undefined)[]): Io {
  const known = secrets.map((s) => s?.trim()).filter((s): s is string => !!s && s.length >= 4);
  const clean = (text: string) => known.reduce((t, secret) => t.split(secret).join('<token>'), text);
  return { out: (t) => io.out(clean(t)), err: (t) => io.err(clean(t)), now: () => io.now() };
}
