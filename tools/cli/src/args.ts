// argv → a Command, or a usage error. Pure: env and defaults are applied in run.ts.
import { parseArgs } from 'node:util';

/** A command line the CLI understood. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'approvals.list'; readonly all: boolean; readonly json: boolean }
  | { readonly kind: 'approvals.approve'; readonly id: string }
  | { readonly kind: 'approvals.deny'; readonly id: string; readonly reason: string }
  | { readonly kind: 'approvals.grants'; readonly all: boolean; readonly json: boolean }
  | { readonly kind: 'approvals.revoke'; readonly id: string; readonly reason: string }
  | { readonly kind: 'audit.verify'; readonly json: boolean }
  | { readonly kind: 'audit.show'; readonly requestId: string; readonly json: boolean }
  | { readonly kind: 'audit.session'; readonly sessionId: string; readonly json: boolean };

/** Connection options given on the command line; each falls back to env, then a default. */
export interface ConnectionFlags {
  readonly token?: string;
  readonly approvals?: string;
  readonly audit?: string;
}

export type ParseResult =
  | { readonly ok: true; readonly command: Command; readonly flags: ConnectionFlags }
  | { readonly ok: false; readonly message: string };

export const USAGE = `Usage: portcullis <command> [options]

Commands:
  approvals list [--all] [--json]       pending holds you may decide, with approvals so far (k/n)
                                        (--all: resolved ones too)
  approvals approve <id>                approve a held request: released once enough approvers have
  approvals deny <id> --reason <text>   refuse a held request; the reason is required
  approvals grants [--all] [--json]     live grants your groups issued (--all: revoked and expired too)
  approvals revoke <grant-id> --reason <text>
                                        end a grant before it expires; the reason is required
  audit verify [--json]                 check the audit log's hash chain
  audit show <request-id> [--json]      a request's audit events, in order
  audit session <session-id> [--json]   a session's audit events, in order (its replay)
  help                                  show this text

Options:
  --token <token>     approver's or auditor's bearer token (env PORTCULLIS_TOKEN)
  --approvals <addr>  approvals service (env APPROVALS_GRPC_ADDR, default 127.0.0.1:50053)
  --audit <addr>      audit service (env AUDIT_GRPC_ADDR, default 127.0.0.1:50055)
  --json              machine-readable output (protobuf JSON mapping)
  -h, --help          show this text

Exit status: 0 ok, 1 failed (service error or broken audit chain), 2 usage error.`;

const OPTIONS = {
  token: { type: 'string' },
  approvals: { type: 'string' },
  audit: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Option = keyof typeof OPTIONS;

// Options every command accepts; the rest are allowed per command below.
const COMMON: readonly Option[] = ['token', 'approvals', 'audit', 'help'];

interface Spec {
  readonly args: readonly string[];
  readonly options: readonly Option[];
  readonly build: (args: readonly string[], values: Values) => Command | string;
}

const parse = (argv: readonly string[]) => parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
type Values = ReturnType<typeof parse>['values'];

const COMMANDS: Readonly<Record<string, Spec>> = {
  'approvals list': {
    args: [],
    options: ['all', 'json'],
    build: (_, v) => ({ kind: 'approvals.list', all: v.all === true, json: v.json === true }),
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
  const flags: ConnectionFlags = { token: values.token, approvals: values.approvals, audit: values.audit };
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
  if (missing) return usageError(`'${name}' needs <${missing}>`);
  if (args.length > spec.args.length) return usageError(`too many arguments for '${name}'`);
  if (args.some((a) => a.trim() === '')) return usageError(`'${name}' got an empty argument`);

  const allowed = new Set<Option>([...COMMON, ...spec.options]);
  const stray = (Object.keys(values) as Option[]).find((o) => values[o] !== undefined && !allowed.has(o));
  if (stray) return usageError(`option --${stray} does not apply to '${name}'`);

  const built = spec.build(args, values);
  return typeof built === 'string' ? usageError(built) : { ok: true, command: built, flags };
}

function usageError(message: string): ParseResult {
  return { ok: false, message };
}

// Command words are short identifiers; anything else is shown only by its length.
function safe(word: string): string {
  return /^[a-z][a-z-]{0,20}$/i.test(word) ? word : `<${word.length} chars>`;
}
