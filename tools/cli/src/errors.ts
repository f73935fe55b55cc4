// What a failed service call looks like to the CLI, and the one line a person sees for it.
// Pure: no gRPC import, so the wording is unit-tested without a server.
import { PortcullisError } from '@portcullis/errors';
import type { policyV1 } from '@portcullis/proto-gen';

export type ServiceName = 'approvals' | 'audit' | 'identity' | 'policy';

/** A failed call, reduced to what the CLI may show. It never carries the caller's token. */
export class CallError extends PortcullisError<'CALL_FAILED'> {
  constructor(
    readonly service: ServiceName,
    readonly address: string,
    /** gRPC status name, e.g. `UNAVAILABLE`. */
    readonly status: string,
    /** The server's `portcullis-reason`, when it attached one. */
    readonly reason: string | undefined,
    readonly details: string,
    /** A POLICY_INVALID refusal's problems (the first ones) and how many there are in all. */
    readonly problems?: { readonly problems: readonly policyV1.Problem[]; readonly total: number },
  ) {
    super('CALL_FAILED', details);
  }
}

export function isCallError(err: unknown): err is CallError {
  return (err as { code?: unknown } | null)?.code === 'CALL_FAILED';
}

// Reasons whose server message is written for logs rather than for the person at the terminal.
const FRIENDLY: Readonly<Record<string, string>> = {
  SELF_APPROVAL: 'you cannot approve your own request',
  NOT_POLICY_ADMIN: 'the token is not a policy admin\'s (a principal in policy.adminGroups)',
  ALREADY_APPROVED: 'you already approved this hold; it needs another approver',
};

/** One line (without the `error: ` prefix) explaining a failed call. */
export function describeCallError(err: CallError, deadlineMs: number): string {
  const { service, address, status, reason, details } = err;
  if (reason) return `${FRIENDLY[reason] ?? (details || `${service} service refused the call`)} (${reason})`;
  // No reason means the answer did not come from our handler: the transport or grpc-js itself.
  switch (status) {
    case 'UNAVAILABLE':
      return `${service} service unreachable at ${address} (is the stack running? npm start)`;
    case 'DEADLINE_EXCEEDED':
      return `${service} service at ${address} did not answer within ${formatSeconds(deadlineMs)}`;
    case 'UNAUTHENTICATED':
      return `${service} service rejected the token${details ? `: ${details}` : ''} (UNAUTHENTICATED)`;
    case 'UNIMPLEMENTED':
      return `${address} does not serve the ${service} API (UNIMPLEMENTED)`;
    default:
      return `${service} service: ${details || 'call failed'} (${status})`;
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
