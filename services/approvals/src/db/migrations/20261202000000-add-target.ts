import { sql, type Kysely, type RawBuilder } from 'kysely';

// The Kysely passed in is bound to the `approvals` schema by createDatabase(). Migrations query
// the table as it is at their step, not as today's row types describe it, hence `any`.
type AnyDB = Kysely<any>;

/**
 * A hold's target becomes the protocol-neutral union (http | mcp | sql) and holds record their
 * session. `target` is the domain Target as JSON (SQL binary parameters as `{"base64": …}`),
 * `target_digest` is `targetDigest(target)` from @portcullis/request-model, written by the
 * repository and checked on every read, and `target_kind` is derived from `target` by the
 * database, so the two cannot disagree.
 *
 * Every existing hold is HTTP (the previous version held nothing else): its target is built from
 * http_method/http_path, with the digest computed here in SQL exactly as targetDigest does (SHA-256
 * over netstrings of "http", method and path, as UTF-8), so pending holds keep comparing and
 * resolving as before. The two HTTP columns are then dropped: `target` is the one source.
 *
 * A row without http_method/http_path (the previous version stored one for a CreateHold that had
 * no target) cannot be given a target without guessing what approving it would release, so the
 * migration refuses to run until an operator has deleted them (with their outbox rows).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const q = db as AnyDB;
  const untargeted = await q
    .selectFrom('holds')
    .select('id')
    .where((eb) => eb.or([eb('http_method', 'is', null), eb('http_path', 'is', null)]))
    .limit(10)
    .execute();
  if (untargeted.length > 0) {
    const ids = untargeted.map((row: { id: string }) => row.id).join(', ');
    throw new Error(`holds without an HTTP target exist (${ids}${untargeted.length === 10 ? ', ...' : ''}); they cannot be migrated without guessing what they release`);
  }

  await db.schema
    .alterTable('holds')
    .addColumn('target', 'jsonb')
    .addColumn('target_digest', 'text')
    .addColumn('session_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  const method = sql.ref<string>('http_method');
  const path = sql.ref<string>('http_path');
  await q
    .updateTable('holds')
    .set({
      target: sql`jsonb_build_object('kind', 'http', 'method', ${method}, 'path', ${path})`,
      target_digest: sql`encode(sha256(${netstring(sql.lit('http'))} || ${netstring(method)} || ${netstring(path)}), 'hex')`,
    })
    .execute();
  await db.schema
    .alterTable('holds')
    .alterColumn('target', (c) => c.setNotNull())
    .alterColumn('target_digest', (c) => c.setNotNull())
    .execute();
  await db.schema
    .alterTable('holds')
    .addColumn('target_kind', 'text', (c) => c.generatedAlwaysAs(sql`target ->> 'kind'`).stored().notNull())
    .execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_target_kind_check', sql`target_kind in ('http', 'mcp', 'sql')`).execute();
  await db.schema.alterTable('holds').dropColumn('http_method').dropColumn('http_path').execute();
}

/**
 * Back to HTTP-only holds. Refused while MCP or SQL holds exist: the previous version would read
 * them as holds without a target, which compare equal to any request without one.
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  const q = db as AnyDB;
  const other = await q.selectFrom('holds').select('id').where('target_kind', '<>', 'http').limit(1).execute();
  if (other.length > 0) throw new Error('MCP or SQL holds exist; the previous version cannot represent them');
  await db.schema.alterTable('holds').addColumn('http_method', 'text').addColumn('http_path', 'text').execute();
  await q
    .updateTable('holds')
    .set({ http_method: sql`target ->> 'method'`, http_path: sql`target ->> 'path'` })
    .execute();
  await db.schema.alterTable('holds').dropColumn('target_kind').execute();
  await db.schema.alterTable('holds').dropColumn('target').dropColumn('target_digest').dropColumn('session_id').execute();
}

/** `<byte length>:<bytes>,` of a text as UTF-8: one field of targetDigest's input. */
function netstring(value: RawBuilder<string>): RawBuilder<Uint8Array> {
  return sql`convert_to(octet_length(convert_to(${value}, 'UTF8'))::text || ':', 'UTF8') || convert_to(${value}, 'UTF8') || convert_to(',', 'UTF8')`;
}
