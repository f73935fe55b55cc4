import { sql, type Generated, type Kysely } from 'kysely';
import type { GatewayEvent } from '../domain/events.js';
import type { EventsPort } from '../domain/ports.js';
import { reviewTools, type McpToolDefinition, type ToolPin } from '../domain/tool-pins.js';
import type { ToolPins } from '../mcp/mcp.gateway.js';

interface McpToolPinsTable {
  connection: string;
  tool: string;
  approved_digest: string;
  approved_definition: unknown;
  approved_by: Generated<string>;
  approved_at: Generated<Date>;
  pending_digest: string | null;
  pending_definition: unknown;
  pending_since: Date | null;
  first_seen_at: Generated<Date>;
}

export interface IngressDB {
  mcp_tool_pins: McpToolPinsTable;
}

/** A pin as an admin reviews it. */
export interface ToolPinView {
  readonly connection: string;
  readonly tool: string;
  readonly status: 'pinned' | 'changed';
  readonly approvedDigest: string;
  readonly approvedBy: string;
  readonly approvedAt: Date;
  readonly firstSeenAt: Date;
  readonly approvedDefinition: unknown;
  readonly pendingDigest?: string;
  readonly pendingDefinition?: unknown;
  readonly pendingSince?: Date;
}

export class ToolPinError extends Error {
  constructor(
    readonly code: 'NOT_PENDING' | 'STALE_DIGEST',
    message: string,
  ) {
    super(message);
  }
}

/** Cached approvals are re-read after this, so an approval elsewhere replaces them within it. */
const CACHE_MS = 60_000;

/**
 * Tool pins in ingress's own schema, shared by every instance. A tool seen for the first time is
 * pinned (INSERT … ON CONFLICT DO NOTHING, then read back: two instances that see it at once agree
 * on the row that won). A changed definition is recorded as pending and raises one
 * ToolDefinitionChanged per new definition; the tool stays withheld until an admin approves that
 * exact pending digest.
 */
export class PgToolPins implements ToolPins {
  private readonly approved = new Map<string, { readonly digest: string; readonly at: number }>();

  constructor(
    private readonly db: Kysely<IngressDB>,
    private readonly events: EventsPort,
    private readonly envelope: (connection: string) => { id: string; occurredAt: Date; sessionId: string; requestId: string; connection: string },
    private readonly now: () => number = Date.now,
  ) {}

  async review(connection: string, tools: readonly McpToolDefinition[]): Promise<{ readonly allowed: ReadonlySet<string>; readonly withheld: ReadonlyMap<string, string> }> {
    const pins = await this.pins(connection, tools.map((t) => t.name));
    const review = reviewTools(pins, tools);
    if (review.first.length > 0) {
      await this.db
        .insertInto('mcp_tool_pins')
        .values(review.first.map(({ tool, digest }) => ({ connection, tool: tool.name, approved_digest: digest, approved_definition: JSON.stringify(tool) })))
        .onConflict((oc) => oc.columns(['connection', 'tool']).doNothing())
        .execute();
      // Another instance may have pinned a different definition first: decide on what is stored.
      const stored = await this.pins(connection, review.first.map((f) => f.tool.name));
      const again = reviewTools(stored, review.first.map((f) => f.tool));
      return this.settle(connection, { allowed: new Set([...review.allowed].filter((name) => !review.first.some((f) => f.tool.name === name) || again.allowed.has(name))), withheld: new Map([...review.withheld, ...again.withheld]) }, again.changed);
    }
    return this.settle(connection, review, review.changed);
  }

  private async settle(connection: string, review: { allowed: ReadonlySet<string>; withheld: ReadonlyMap<string, string> }, changed: ReturnType<typeof reviewTools>['changed']): Promise<{ allowed: ReadonlySet<string>; withheld: ReadonlyMap<string, string> }> {
    const events: GatewayEvent[] = [];
    for (const change of changed) {
      this.approved.delete(`${connection}\u0000${change.tool.name}`);
      const updated = await this.db
        .updateTable('mcp_tool_pins')
        .set({ pending_digest: change.digest, pending_definition: JSON.stringify(change.tool), pending_since: sql`now()` })
        .where('connection', '=', connection)
        .where('tool', '=', change.tool.name)
        .where((eb) => eb.or([eb('pending_digest', 'is', null), eb('pending_digest', '!=', change.digest)]))
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) events.push({ ...this.envelope(connection), kind: 'toolDefinitionChanged', tool: change.tool.name, approvedDigest: change.approvedDigest, newDigest: change.digest });
    }
    if (events.length > 0) await this.events.record(events);
    return review;
  }

  /** Pins of `names`: approvals cached within CACHE_MS, the rest from the database. */
  private async pins(connection: string, names: readonly string[]): Promise<Map<string, ToolPin>> {
    const pins = new Map<string, ToolPin>();
    const now = this.now();
    const unknown: string[] = [];
    for (const name of new Set(names)) {
      const cached = this.approved.get(`${connection}\u0000${name}`);
      if (cached && now - cached.at < CACHE_MS) pins.set(name, { tool: name, approvedDigest: cached.digest, pendingDigest: undefined });
      else unknown.push(name);
    }
    if (unknown.length === 0) return pins;
    const rows = await this.db.selectFrom('mcp_tool_pins').select(['tool', 'approved_digest', 'pending_digest']).where('connection', '=', connection).where('tool', 'in', unknown).execute();
    for (const row of rows) {
      pins.set(row.tool, { tool: row.tool, approvedDigest: row.approved_digest, pendingDigest: row.pending_digest ?? undefined });
      // Only a pin with nothing pending is remembered: anything else is read again next time.
      if (!row.pending_digest) this.approved.set(`${connection}\u0000${row.tool}`, { digest: row.approved_digest, at: now });
    }
    return pins;
  }

  async list(connection?: string): Promise<ToolPinView[]> {
    let query = this.db.selectFrom('mcp_tool_pins').selectAll().orderBy('connection').orderBy('tool');
    if (connection) query = query.where('connection', '=', connection);
    return (await query.execute()).map((row) => ({
      connection: row.connection,
      tool: row.tool,
      status: row.pending_digest ? 'changed' : 'pinned',
      approvedDigest: row.approved_digest,
      approvedBy: row.approved_by,
      approvedAt: row.approved_at,
      firstSeenAt: row.first_seen_at,
      approvedDefinition: row.approved_definition,
      ...(row.pending_digest ? { pendingDigest: row.pending_digest, pendingDefinition: row.pending_definition, pendingSince: row.pending_since ?? undefined } : {}),
    }));
  }

  /** Approves exactly the pending definition `digest` (the one the admin reviewed). */
  async approve(connection: string, tool: string, digest: string, approvedBy: string): Promise<{ previousDigest: string }> {
    const result = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('mcp_tool_pins').select(['approved_digest', 'pending_digest']).where('connection', '=', connection).where('tool', '=', tool).forUpdate().executeTakeFirst();
      if (!row || !row.pending_digest) throw new ToolPinError('NOT_PENDING', `no changed definition of ${tool} on ${connection} waits for approval`);
      if (row.pending_digest !== digest) throw new ToolPinError('STALE_DIGEST', `the pending definition of ${tool} is ${row.pending_digest}, not ${digest}: review it again`);
      await trx
        .updateTable('mcp_tool_pins')
        .set({ approved_digest: sql`pending_digest`, approved_definition: sql`pending_definition`, approved_by: approvedBy, approved_at: sql`now()`, pending_digest: null, pending_definition: null, pending_since: null })
        .where('connection', '=', connection)
        .where('tool', '=', tool)
        .execute();
      return { previousDigest: row.approved_digest };
    });
    await this.events.record([{ ...this.envelope(connection), kind: 'toolDefinitionApproved', tool, digest, previousDigest: result.previousDigest, approvedBy }]);
    this.approved.delete(`${connection}\u0000${tool}`);
    return result;
  }
}
