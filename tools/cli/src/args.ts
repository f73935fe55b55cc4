// argv → a Command, or a usage error. Pure: env and defaults are applied in run.ts.
import { parseArgs } from 'node:util';
import { parseDuration } from '@portcullis/config';
import type { RevocationSelector } from '@portcullis/identity-client';

/** A command line the CLI understood. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'approvals.list'; readonly all: boolean; readonly json: boolean; readonly requester?: string; readonly connection?: string; readonly limit?: number; readonly page?: string }
  | { readonly kind: 'approvals.approve'; readonly id: string }
  | { readonly kind: 'approvals.deny'; readonly id: string; readonly reason: string }
  | { readonly kind: 'approvals.grants'; readonly all: boolean; readonly json: boolean }
  | { readonly kind: 'approvals.revoke'; readonly id: string; readonly reason: string }
  | { readonly kind: 'audit.verify'; readonly json: boolean }
  | { readonly kind: 'audit.show'; readonly requestId: string; readonly json: boolean }
  | { readonly kind: 'audit.session'; readonly sessionId: string; readonly json: boolean }
  | { readonly kind: 'policy.apply'; readonly files: readonly string[] }
  | { readonly kind: 'policy.list'; readonly json: boolean }
  | { readonly kind: 'policy.show'; readonly name: string; readonly json: boolean }
  | { readonly kind: 'policy.delete'; readonly name: string }
  | { readonly kind: 'policy.explain'; readonly request: ExplainArgs; readonly json: boolean }
  | { readonly kind: 'policy.test'; readonly dir: string; readonly config?: string }
  | { readonly kind: 'identity.revoke'; readonly selector: RevocationSelector; readonly reason: string; readonly forMs?: number }
  | { readonly kind: 'identity.unrevoke'; readonly selector: RevocationSelector }
  | { readonly kind: 'identity.revocations'; readonly json: boolean }
  | { readonly kind: 'mcp.tools.list'; readonly connection?: string; readonly json: boolean }
  | { readonly kind: 'mcp.tools.approve'; readonly connection: string; readonly tool: string; readonly digest?: string };

/** The request `policy explain` asks about: who, where, and exactly one target. */
export interface ExplainArgs {
  readonly connection: string;
  readonly subject: string;
  readonly clientId: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  /** "machine" (default) or "human", as identity would classify the caller. */
  readonly kind: 'machine' | 'human';
  readonly target:
    | { readonly kind: 'http'; readonly method: string; readonly path: string; readonly query: string }
    | { readonly kind: 'mcp'; readonly method: string; readonly name: string; readonly arguments?: unknown }
    | { readonly kind: 'sql'; readonly statement: string };
}

/** Connection options given on the command line; each falls back to env, then a default. */
export interface ConnectionFlags {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly approvals?: string;
  readonly identity?: string;
  readonly audit?: string;
  readonly policy?: string;
  readonly ingress?: string;
}

export type ParseResult =
  | { readonly ok: true; readonly command: Command; readonly flags: ConnectionFlags }
  | { readonly ok: false; readonly message: string };

export const USAGE = `Usage: portcullis <command> [options]

Commands:
  approvals list [--all] [--json] [--requester <subject|client-id>] [--connection <name>]
                [--limit <n>] [--page <token>]
                                        pending holds you may decide, newest first, with approvals
                                        so far (k/n) and how many match; --limit per page (50, at
                                        most 500), --page continues where the previous page ended
                                        (--all: resolved ones too)
  approvals approve <id>                approve a held request: released once enough approvers have
  approvals deny <id> --reason <text>   refuse a held request; the reason is required
  approvals grants [--all] [--json]     live grants your groups issued (--all: revoked and expired too)
  approvals revoke <grant-id> --reason <text>
                                        end a grant before it expires; the reason is required
  audit verify [--json]                 check the audit log's hash chain
  audit show <request-id> [--json]      a request's audit events, in order
  audit session <session-id> [--json]   a session's audit events, in order (its replay)
  policy apply <file...>                store policy documents, each named by its file name
  policy list [--json]                  the documents in force, with the policy version
  policy show <name> [--json]           a document's text
  policy delete <name>                  remove a document
  policy explain --connection <c> [--subject <s>] [--client-id <id>] [--kind machine|human]
                 [--groups a,b] [--scopes x,y]
                 (--http "GET /path?x=1" | --mcp-method <m> [--mcp-name <n>] [--arguments <json>]
                  | --sql "<statement>") [--json]
                                        the decision for that request, and why, rule by rule
  policy test <dir> [--config FILE]     compile <dir>'s documents and run its *.test.yaml (local);
                                        --config checks connections and masking profiles against FILE
  identity revoke (--client-id <id> | --subject <sub> | --token-id <jti>) [--issuer <url>]
                [--reason <text>] [--for <duration>]
                                        cut an identity off now: its sessions end and its tokens, even
                                        fresh ones, are refused until unrevoked (--for: lift after it)
  identity unrevoke (--client-id <id> | --subject <sub> | --token-id <jti>) [--issuer <url>]
  identity revocations [--json]         revocations in force
  mcp tools list [<connection>] [--json]
                                        pinned MCP tools; "changed" ones are withheld, with the
                                        definition waiting for approval
  mcp tools approve <connection> <tool> [--digest <sha256>]
                                        approve a changed tool's pending definition (the one shown
                                        by list; --digest pins exactly which)
  help                                  show this text

Options:
  --token-file <path> read the bearer token (approver's, auditor's, policy or identity admin's)
                      from a file; or set PORTCULLIS_TOKEN
  --token <token>     the token itself (warns: other users of the machine see it with ps)
  --approvals <addr>  approvals service (env APPROVALS_GRPC_ADDR, default 127.0.0.1:50053)
  --identity <addr>   identity service (env IDENTITY_GRPC_ADDR, default 127.0.0.1:50051)
  --audit <addr>      audit service (env AUDIT_GRPC_ADDR, default 127.0.0.1:50055)
  --policy <addr>     policy service (env POLICY_GRPC_ADDR, default 127.0.0.1:50052)
  --ingress <url>     the gateway, for mcp commands (env PORTCULLIS_INGRESS_URL, default http://127.0.0.1:8080)
  --json              machine-readable output (protobuf JSON mapping)

The services are called over mutual TLS: their certificates are verified against
PORTCULLIS_TLS_CA (default .portcullis/tls/ca.pem, made by npm start) and the CLI presents
PORTCULLIS_TLS_CERT / PORTCULLIS_TLS_KEY (default .portcullis/tls/cli.pem / cli.key).
  -h, --help          show this text

Exit status: 0 ok, 1 failed (service error, broken audit chain, refused policy, failed policy
test), 2 usage error.`;

const OPTIONS = {
  token: { type: 'string' },
  'token-file': { type: 'string' },
  approvals: { type: 'string' },
  identity: { type: 'string' },
  'token-id': { type: 'string' },
  issuer: { type: 'string' },
  for: { type: 'string' },
  audit: { type: 'string' },
  policy: { type: 'string' },
  config: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  connection: { type: 'string' },
  subject: { type: 'string' },
  'client-id': { type: 'string' },
  kind: { type: 'string' },
  groups: { type: 'string' },
  scopes: { type: 'string' },
  http: { type: 'string' },
  'mcp-method': { type: 'string' },
  'mcp-name': { type: 'string' },
  arguments: { type: 'string' },
  sql: { type: 'string' },
  ingress: { type: 'string' },
  digest: { type: 'string' },
  requester: { type: 'string' },
  limit: { type: 'string' },
  page: { type: 'string' },
} as const;

type Option = keyof typeof OPTIONS;

// Options every command accepts; the rest are allowed per command below.
const COMMON: readonly Option[] = ['token', 'token-file', 'approvals', 'identity', 'audit', 'policy', 'ingress', 'help'];

interface Spec {
  readonly args: readonly string[];
  /** The last argument may be given several times (at least once). */
  readonly variadic?: boolean;
  readonly options: readonly Option[];
  readonly build: (args: readonly string[], values: Values) => Command | string;
}

const parse = (argv: readonly string[]) => parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
type Values = ReturnType<typeof parse>['values'];

const COMMANDS: Readonly<Record<string, Spec>> = {
  'approvals list': {
    args: [],
    options: ['all', 'json', 'requester', 'connection', 'limit', 'page'],
    build: (_, v) => {
      const limit = v.limit === undefined ? undefined : Number(v.limit);
      if (limit !== undefined && (!/^[0-9]+$/.test(v.limit!) || limit < 1 || limit > 500)) return '--limit must be a whole number from 1 to 500';
      for (const name of ['requester', 'connection', 'page'] as const) if (v[name] !== undefined && v[name]!.trim() === '') return `--${name} needs a value`;
      return {
        kind: 'approvals.list',
        all: v.all === true,
        json: v.json === true,
        ...(v.requester !== undefined ? { requester: v.requester.trim() } : {}),
        ...(v.connection !== undefined ? { connection: v.connection.trim() } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(v.page !== undefined ? { page: v.page.trim() } : {}),
      };
    },
  },
  'approvals approve': { args: ['id'], options: [], build: ([id]) => ({ kind: 'approvals.approve', id: id ?? '' }) },
  'approvals deny': {
    args: ['id'],
    options: ['reason'],
    build: ([id], v) => {
      const reason = v.reason?.trim() ?? '';
      if (!reason) return `'approvals deny' needs --reason "<text>"`;
      return { kind: 'approvals.deny', id: id ?? '', reason };
    },
  },
  'approvals grants': {
    args: [],
    options: ['all', 'json'],
    build: (_, v) => ({ kind: 'approvals.grants', all: v.all === true, json: v.json === true }),
  },
  'approvals revoke': {
    args: ['grant-id'],
    options: ['reason'],
    build: ([id], v) => {
      const reason = v.reason?.trim() ?? '';
      if (!reason) return `'approvals revoke' needs --reason "<text>"`;
      return { kind: 'approvals.revoke', id: id ?? '', reason };
    },
  },
  'audit verify': { args: [], options: ['json'], build: (_, v) => ({ kind: 'audit.verify', json: v.json === true }) },
  'audit show': {
    args: ['request-id'],
    options: ['json'],
    build: ([requestId], v) => ({ kind: 'audit.show', requestId: requestId ?? '', json: v.json === true }),
  },
  'audit session': {
    args: ['session-id'],
    options: ['json'],
    build: ([sessionId], v) => ({ kind: 'audit.session', sessionId: sessionId ?? '', json: v.json === true }),
  },
  'policy apply': { args: ['file'], variadic: true, options: [], build: (files) => ({ kind: 'policy.apply', files }) },
  'policy list': { args: [], options: ['json'], build: (_, v) => ({ kind: 'policy.list', json: v.json === true }) },
  'policy show': { args: ['name'], options: ['json'], build: ([name], v) => ({ kind: 'policy.show', name: name ?? '', json: v.json === true }) },
  'policy delete': { args: ['name'], options: [], build: ([name]) => ({ kind: 'policy.delete', name: name ?? '' }) },
  'policy explain': {
    args: [],
    options: ['connection', 'subject', 'client-id', 'kind', 'groups', 'scopes', 'http', 'mcp-method', 'mcp-name', 'arguments', 'sql', 'json'],
    build: (_, v) => {
      const request = explainArgs(v);
      return typeof request === 'string' ? request : { kind: 'policy.explain', request, json: v.json === true };
    },
  },
  'mcp tools': {
    args: ['list|approve'],
    variadic: true,
    options: ['json', 'digest'],
    build: ([action, ...rest], v) => {
      if (action === 'list') {
        if (rest.length > 1) return `'mcp tools list' takes at most a <connection>`;
        if (v.digest !== undefined) return `--digest goes with 'mcp tools approve'`;
        return { kind: 'mcp.tools.list', ...(rest[0] ? { connection: rest[0] } : {}), json: v.json === true };
      }
      if (action === 'approve') {
        if (rest.length !== 2) return `'mcp tools approve' needs <connection> <tool>`;
        if (v.json !== undefined) return `--json goes with 'mcp tools list'`;
        const digest = v.digest?.trim();
        if (digest !== undefined && !/^[0-9a-f]{64}$/.test(digest)) return '--digest must be the 64 hex digits shown by `mcp tools list`';
        return { kind: 'mcp.tools.approve', connection: rest[0]!, tool: rest[1]!, ...(digest ? { digest } : {}) };
      }
      return `'mcp tools' needs list or approve`;
    },
  },
  'identity revoke': {
    args: [],
    options: ['client-id', 'subject', 'token-id', 'issuer', 'reason', 'for'],
    build: (_, v) => {
      const selector = selectorArgs(v, 'identity revoke');
      if (typeof selector === 'string') return selector;
      const reason = v.reason?.trim() ?? '';
      if (v.for === undefined) return { kind: 'identity.revoke', selector, reason };
      if (selector.kind === 'token_id') return '--for goes with --client-id or --subject (a token-id revocation lasts as long as the token could)';
      const forMs = parseDuration(v.for);
      if (forMs === undefined || forMs <= 0) return '--for needs a duration such as 30m, 12h or 7d';
      return { kind: 'identity.revoke', selector, reason, forMs };
    },
  },
  'identity unrevoke': {
    args: [],
    options: ['client-id', 'subject', 'token-id', 'issuer'],
    build: (_, v) => {
      const selector = selectorArgs(v, 'identity unrevoke');
      return typeof selector === 'string' ? selector : { kind: 'identity.unrevoke', selector };
    },
  },
  'identity revocations': { args: [], options: ['json'], build: (_, v) => ({ kind: 'identity.revocations', json: v.json === true }) },
  'policy test': { args: ['dir'], options: ['config'], build: ([dir], v) => ({ kind: 'policy.test', dir: dir ?? '', ...(typeof v.config === 'string' ? { config: v.config } : {}) }) },
};

const GROUPS = new Set(Object.keys(COMMANDS).map((name) => name.split(' ')[0]));

export function parseArgv(argv: readonly string[]): ParseResult {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (err) {
    return usageError((err as Error).message);
  }
  const flags: ConnectionFlags = { token: values.token, tokenFile: values['token-file'], approvals: values.approvals, identity: values.identity, audit: values.audit, policy: values.policy, ingress: values.ingress };
  if (values.help || positionals[0] === 'help') return { ok: true, command: { kind: 'help' }, flags };

  const [group, action, ...args] = positionals;
  if (group === undefined) return usageError('missing command');
  // Argument values are not echoed back: a misplaced token must not end up on the terminal.
  if (!GROUPS.has(group)) return usageError(`unknown command '${safe(group)}'`);
  if (action === undefined) return usageError(`'${group}' needs a subcommand`);
  const name = `${group} ${action}`;
  const spec = COMMANDS[name];
  if (!spec) return usageError(`unknown command '${group} ${safe(action)}'`);

  const missing = spec.args[args.length];
  if (missing) return usageError(`'${name}' needs <${missing}>${spec.variadic ? '...' : ''}`);
  if (args.length > spec.args.length && !spec.variadic) return usageError(`too many arguments for '${name}'`);
  if (args.some((a) => a.trim() === '')) return usageError(`'${name}' got an empty argument`);

  const allowed = new Set<Option>([...COMMON, ...spec.options]);
  const stray = (Object.keys(values) as Option[]).find((o) => values[o] !== undefined && !allowed.has(o));
  if (stray) return usageError(`option --${stray} does not apply to '${name}'`);

  const built = spec.build(args, values);
  return typeof built === 'string' ? usageError(built) : { ok: true, command: built, flags };
}

/** The request of `policy explain`, or what is wrong with its options. */
function explainArgs(v: Values): ExplainArgs | string {
  const connection = v.connection?.trim() ?? '';
  if (!connection) return `'policy explain' needs --connection <name>`;
  const targets = [v.http !== undefined && '--http', v['mcp-method'] !== undefined && '--mcp-method', v.sql !== undefined && '--sql'].filter((t): t is string => t !== false);
  if (targets.length !== 1) return `'policy explain' needs exactly one of --http "<METHOD> <path>", --mcp-method <method> or --sql "<statement>"${targets.length > 1 ? ` (got ${targets.join(' and ')})` : ''}`;
  if ((v['mcp-name'] !== undefined || v.arguments !== undefined) && v['mcp-method'] === undefined) return `--mcp-name and --arguments go with --mcp-method`;
  const target = explainTarget(v);
  if (typeof target === 'string') return target;
  const kind = v.kind?.trim() || 'machine';
  if (kind !== 'machine' && kind !== 'human') return '--kind must be machine or human';
  const subject = v.subject?.trim() || 'cli-explain';
  return { connection, subject, clientId: v['client-id']?.trim() || subject, kind, groups: list(v.groups), scopes: list(v.scopes), target };
}

function explainTarget(v: Values): ExplainArgs['target'] | string {
  if (v.sql !== undefined) return v.sql.trim() ? { kind: 'sql', statement: v.sql } : '--sql needs a statement';
  if (v.http !== undefined) {
    const match = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(v.http);
    if (!match) return '--http needs "<METHOD> <path>", e.g. "GET /orders?limit=10"';
    const [path, query = ''] = match[2]!.split(/\?(.*)/s, 2);
    return { kind: 'http', method: match[1]!.toUpperCase(), path: path!, query };
  }
  const method = v['mcp-method']!.trim();
  if (!method) return '--mcp-method needs a method, e.g. tools/call';
  if (v.arguments === undefined) return { kind: 'mcp', method, name: v['mcp-name']?.trim() ?? '' };
  try {
    return { kind: 'mcp', method, name: v['mcp-name']?.trim() ?? '', arguments: JSON.parse(v.arguments) as unknown };
  } catch {
    return '--arguments must be JSON, e.g. \'{"database":"analytics"}\'';
  }
}

/** "a, b,,c" → ["a", "b", "c"]. */
function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function usageError(message: string): ParseResult {
  return { ok: false, message };
}

// Command words are short identifiers; anything else is shown only by its length.
function safe(word: string): string {
  return /^[a-z][a-z-]{0,20}$/i.test(word) ? word : `<${word.length} chars>`;
}

/** Exactly one of --client-id, --subject, --token-id, and an optional --issuer. */
function selectorArgs(v: Values, name: string): RevocationSelector | string {
  const given = (
    [
      ['client_id', v['client-id']],
      ['subject', v.subject],
      ['token_id', v['token-id']],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length !== 1) return `'${name}' needs exactly one of --client-id <id>, --subject <sub> or --token-id <jti>`;
  const [kind, raw] = given[0]!;
  const value = (raw ?? '').trim();
  if (!value) return `'${name}' got an empty --${kind.replace('_', '-')}`;
  const issuer = v.issuer?.trim();
  if (issuer !== undefined && issuer === '') return '--issuer needs the issuer URL (or entity id) exactly as tokens carry it';
  return issuer === undefined ? { kind, value } : { kind, value, issuer };
}
