import { sql, type Kysely } from 'kysely';

// The Kysely passed in is bound to the `ingress` schema by createDatabase().
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mcp_tool_pins')
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('approved_digest', 'text', (c) => c.notNull())
    .addColumn('approved_definition', 'jsonb', (c) => c.notNull())
    // '' for a tool pinned when first seen (trust on first use); else the admin who approved it.
    .addColumn('approved_by', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('approved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('pending_digest', 'text')
    .addColumn('pending_definition', 'jsonb')
    .addColumn('pending_since', 'timestamptz')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('mcp_tool_pins_pkey', ['connection', 'tool'])
    .addCheckConstraint('mcp_tool_pins_pending_check', sql`(pending_digest is null) = (pending_definition is null) and (pending_digest is null) = (pending_since is null)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mcp_tool_pins').execute();
}
