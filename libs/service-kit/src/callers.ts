import type { Peer } from './tls.js';

/**
 * Who may call a gRPC method, judged by the verified client certificate: the named peers only,
 * or any peer of the deployment (the method then authorises the person by a bearer token).
 */
export type Callers = readonly Peer[] | 'any-peer';

/**
 * One entry per method of a service (keys as in the generated server interface), so a method
 * cannot be added without saying who may call it.
 */
export type CallerTable<S> = { readonly [M in keyof S]: Callers };

export const CALLER_REFUSAL_CODES = [
  /** No verified client certificate naming a Portcullis peer (a plaintext or foreign client never gets this far). */
  'CALLER_UNIDENTIFIED',
  /** A verified peer this method does not serve. */
  'CALLER_NOT_ALLOWED',
] as const;
export type CallerRefusalCode = (typeof CALLER_REFUSAL_CODES)[number];

export type CallerVerdict = { readonly ok: true; readonly caller: Peer } | { readonly ok: false; readonly code: CallerRefusalCode; readonly message: string };

/** Whether `caller` may call `method` (e.g. "ApprovalsService/CreateHold") under `callers`. */
export function authorizeCaller(method: string, callers: Callers, caller: Peer | undefined): CallerVerdict {
  if (caller === undefined) return { ok: false, code: 'CALLER_UNIDENTIFIED', message: `${method} needs a client certificate naming a Portcullis service` };
  if (callers === 'any-peer' || callers.includes(caller)) return { ok: true, caller };
  return { ok: false, code: 'CALLER_NOT_ALLOWED', message: `${method} may be called only by ${callers.join(' or ') || 'no peer'}, not by ${caller}` };
}
