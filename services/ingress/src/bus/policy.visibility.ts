import type { NatsConnection } from '@nats-io/transport-node';
import type { Principal } from '@portcullis/identity-client';
import { commonV1 } from '@portcullis/proto-gen';
import { mcpTarget } from '@portcullis/request-model';
import type { ListKind, Visibility } from '../mcp/mcp.gateway.js';
import { contextToProto } from './decision.mappers.js';

/** At most this many names per request to policy (its own limit); longer lists go in several. */
const CHUNK = 1_000;
const LIST_METHOD: Record<ListKind, string> = { tools: 'tools/call', prompts: 'prompts/get', resources: 'resources/read' };

/**
 * Asks policy which names of an MCP list the caller may call or request approval for, over NATS
 * request/reply (JSON). No answer, an error or anything unreadable is a failure: the caller then
 * gets no list (fail closed), never an unfiltered one.
 */
export class NatsPolicyVisibility implements Visibility {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly timeoutMs: number,
  ) {}

  async visible(query: { readonly principal: Principal; readonly connection: string; readonly kind: ListKind; readonly names: readonly string[] }) {
    const context = commonV1.RequestContext.encode(
      contextToProto({ requestId: '', sessionId: '', connection: query.connection, protocol: 'mcp', principal: query.principal, target: mcpTarget(LIST_METHOD[query.kind], '', undefined) }),
    ).finish();
    const encoded = Buffer.from(context).toString('base64');
    const visibility = new Map<string, 'callable' | 'approval'>();
    for (let at = 0; at < query.names.length; at += CHUNK) {
      const names = query.names.slice(at, at + CHUNK).filter((name) => name.length > 0 && name.length <= 512);
      let reply: unknown;
      try {
        const message = await this.nc.request(this.subject, JSON.stringify({ context: encoded, kind: query.kind, names }), { timeout: this.timeoutMs });
        reply = JSON.parse(new TextDecoder().decode(message.data));
      } catch (err) {
        return { ok: false as const, message: 'the policy service did not answer which entries may be shown', detail: (err as Error).message };
      }
      const answer = reply as { ok?: unknown; visible?: unknown; error?: unknown };
      if (answer.ok !== true || typeof answer.visible !== 'object' || answer.visible === null) return { ok: false as const, message: 'the policy service refused the list query', detail: String(answer.error ?? 'unreadable reply') };
      for (const [name, value] of Object.entries(answer.visible as Record<string, unknown>)) {
        if ((value === 'callable' || value === 'approval') && names.includes(name)) visibility.set(name, value);
      }
    }
    return { ok: true as const, visibility };
  }
}
