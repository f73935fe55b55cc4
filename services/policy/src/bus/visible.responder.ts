import { isInboxReply } from '@portcullis/bus';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ListKind } from '@portcullis/policy-language';
import { commonV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { ActivePolicy } from '../domain/index.js';
import { factsFromProto } from '../decision.mappers.js';

/** Bounds of one visibility request: an MCP list page is rarely more than a few hundred names. */
export const MAX_VISIBLE_NAMES = 1_000;
export const MAX_NAME_LENGTH = 512;
const KINDS: ReadonlySet<string> = new Set<ListKind>(['tools', 'prompts', 'resources']);

/**
 * The wire form (JSON): `{ context: base64 RequestContext (principal and connection), kind, names }`
 * → `{ ok: true, visible: { name: "callable" | "approval" }, policyVersion }` or `{ ok: false, error }`.
 */
export interface VisibleRequestJson {
  readonly context: string;
  readonly kind: ListKind;
  readonly names: readonly string[];
}

/**
 * Answers which names of an MCP list a principal may call or request approval for (arguments
 * unknown). Every instance is in the queue group "policy". A malformed request gets an error
 * reply (the gateway then shows nothing: fail closed).
 */
export function respondToVisibility(nc: NatsConnection, subject: string, active: ActivePolicy, logger: Logger, now: () => Date): Subscription {
  return nc.subscribe(subject, {
    queue: 'policy',
    callback: (err, msg) => {
      if (err) {
        logger.error({ err }, 'visibility subscription failed');
        return;
      }
      // Answer only into an inbox: a reply naming any other subject would make policy publish there.
      if (!isInboxReply(msg.reply)) {
        logger.warn({ reply: msg.reply?.slice(0, 80) }, 'visibility request with a reply subject that is no inbox ignored');
        return;
      }
      const answer = (body: unknown): void => void msg.respond(JSON.stringify(body));
      let request: VisibleRequestJson;
      try {
        request = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(msg.data)) as VisibleRequestJson;
      } catch {
        return answer({ ok: false, error: 'the request is not JSON' });
      }
      const problem = check(request);
      if (problem) {
        logger.warn({ problem }, 'malformed visibility request');
        return answer({ ok: false, error: problem });
      }
      let context: commonV1.RequestContext;
      try {
        context = commonV1.RequestContext.decode(Buffer.from(request.context, 'base64'));
      } catch {
        return answer({ ok: false, error: 'context is not a RequestContext' });
      }
      const facts = factsFromProto(context, now());
      if (!facts.ok) return answer({ ok: false, error: facts.reason });
      try {
        const policy = active.current;
        const visible = policy.compiled.visibility({ connection: facts.facts.connection, principal: facts.facts.principal, kind: request.kind, names: request.names, now: facts.facts.now });
        answer({ ok: true, visible: Object.fromEntries(visible), policyVersion: String(policy.version) });
      } catch (error) {
        logger.error({ err: error }, 'visibility failed');
        answer({ ok: false, error: 'error:evaluation-failed' });
      }
    },
  });
}

function check(request: VisibleRequestJson): string | undefined {
  if (typeof request !== 'object' || request === null) return 'the request must be an object';
  if (typeof request.context !== 'string') return 'context must be a base64 RequestContext';
  if (!KINDS.has(request.kind)) return 'kind must be tools, prompts or resources';
  if (!Array.isArray(request.names)) return 'names must be an array';
  if (request.names.length > MAX_VISIBLE_NAMES) return `at most ${MAX_VISIBLE_NAMES} names per request`;
  if (request.names.some((n) => typeof n !== 'string' || n.length === 0 || n.length > MAX_NAME_LENGTH)) return `names must be strings of 1 to ${MAX_NAME_LENGTH} characters`;
  return undefined;
}
