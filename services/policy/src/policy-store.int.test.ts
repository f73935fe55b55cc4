import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest, type Database } from '@portcullis/db';
import { compilePolicy, type PolicyContext } from '@portcullis/policy-language';
import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { createTestDatabase, type TestDatabase } from '@portcullis/testkit';
import { migrations } from './db/migrations/index.js';
import { SCHEMA, type PolicyDB } from './db/policy.table.js';
import { ActivePolicy, documentDigest, type LoadedPolicy } from './domain/index.js';
import { PolicyReloader } from './policy-reloader.js';
import { PolicyStore, type Compile } from './policy-store.service.js';
import { capturingLogger } from './testing/policy-harness.js';

// The store and the reloader on a real database, with the real policy language: what the
// database refuses, what a reload does when the stored policy changed behind this instance's
// back (no event), and when it no longer compiles.

const CONFIG_TEXT = 'policies:\n  - { id: agents-read, effect: allow, match: { groups: [agents] } }\n';
const WAREHOUSE_RULE = 'rules:\n  - { id: warehouse-read, effect: allow, match: { connections: [warehouse] } }\n';

describe('policy store and reloader', () => {
  let test: TestDatabase;
  let database: Database<PolicyDB>;
  let analyzer: SqlAnalyzer;
  const committed: LoadedPolicy[] = [];

  const compileWith = (connections: string[]): Compile => {
    const context: PolicyContext = { connections: new Map(connections.map((c) => [c, { tags: [] }])), maskingProfiles: new Set() };
    return (sources) => compilePolicy(sources, context, analyzer);
  };
  const store = (compile: Compile, logger = capturingLogger('store').logger) =>
    new PolicyStore({ db: database.db, compile, source: 'policy:test', logger, onCommitted: (loaded) => void committed.push(loaded) });

  beforeAll(async () => {
    [test, analyzer] = await Promise.all([createTestDatabase('policy_store'), SqlAnalyzer.create()]);
    database = createDatabase<PolicyDB>({ url: test.url, schema: SCHEMA, applicationName: 'policy-store-test' });
    await migrateToLatest(database, SCHEMA, migrations);
    const seeded = await store(compileWith(['warehouse'])).seed([{ name: 'portcullis.yaml', format: 'config', path: '/etc/portcullis.yaml', text: CONFIG_TEXT, digest: documentDigest(CONFIG_TEXT) }]);
    expect(seeded).toMatchObject({ ok: true, value: { version: 1 } });
  });

  afterAll(async () => {
    await database?.close();
    await test?.drop();
  });

  it('keeps the revision history append-only, whoever asks', async () => {
    for (const statement of [sql`update policy.revisions set changed_by = 'mallory'`, sql`delete from policy.revisions`, sql`truncate policy.revisions cascade`]) {
      await expect(statement.execute(database.db)).rejects.toMatchObject({ code: 'P0001', message: expect.stringMatching(/^policy\.revisions is append-only/) });
    }
  });

  it('reloads a change made by another instance when checked, without any event', async () => {
    const active = new ActivePolicy();
    const mine = store(compileWith(['warehouse']));
    const reloader = new PolicyReloader(mine, active, capturingLogger('reloader').logger);
    await reloader.check();
    expect(active.version).toBe(1);
    expect(await store(compileWith(['warehouse'])).put('warehouse.yaml', WAREHOUSE_RULE, 'alice')).toMatchObject({ ok: true, value: { version: 2 } });
    expect(committed.at(-1)?.version).toBe(2);
    expect(active.version).toBe(1);
    await reloader.check();
    expect(active.version).toBe(2);
    expect(active.current.compiled.ruleCount).toBe(2);
  });

  it('keeps the policy in force when the stored one no longer compiles, and says so once per version', async () => {
    const active = new ActivePolicy();
    // This instance's code knows no "warehouse": warehouse.yaml, stored by another, does not compile here.
    const log = capturingLogger('reloader');
    const narrower = store(compileWith([]));
    expect(await narrower.load()).toMatchObject({ ok: false, version: 2, problems: [expect.objectContaining({ source: 'warehouse.yaml', message: 'unknown connection "warehouse"' })] });
    const inForce = await store(compileWith(['warehouse'])).load();
    if (!inForce.ok) throw new Error('expected the stored policy to compile');
    active.offer({ ...inForce.loaded, version: 1 });
    const reloader = new PolicyReloader(narrower, active, log.logger);
    await reloader.check();
    await reloader.check();
    expect(active.version).toBe(1);
    expect(log.lines.filter((line) => line.msg === 'stored policy NOT loaded: deciding with the policy in force')).toEqual([expect.objectContaining({ level: 50, policyVersion: '2', inForce: '1', problems: 1 })]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'stored policy does not compile', problem: expect.stringMatching(/^warehouse\.yaml:2:\d+: rules\.0\.match\.connections\.0: unknown connection "warehouse"$/) }));
  });

  it('refuses to read a document whose text was changed behind its back', async () => {
    await sql`update policy.documents set text = text || '# edited' where name = 'warehouse.yaml'`.execute(database.db);
    await expect(store(compileWith(['warehouse'])).load()).rejects.toThrow('policy document warehouse.yaml: text does not match its digest');
    await sql`update policy.documents set text = ${WAREHOUSE_RULE} where name = 'warehouse.yaml'`.execute(database.db);
  });

  it('refuses a change whose whole set does not compile, writing nothing', async () => {
    const before = await store(compileWith(['warehouse'])).list();
    const result = await store(compileWith(['warehouse'])).put('dup.yaml', 'rules:\n  - { id: agents-read, effect: deny }\n', 'alice');
    expect(result).toMatchObject({ ok: false, failure: { code: 'POLICY_INVALID', problems: [expect.objectContaining({ source: 'dup.yaml', line: 2, path: 'rules.0.id', message: expect.stringMatching(/^duplicate rule id "agents-read"/) })] } });
    expect(await store(compileWith(['warehouse'])).list()).toEqual(before);
  });
});
