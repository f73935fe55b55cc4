import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commonV1, eventsV1 } from '@portcullis/proto-gen';
import { capturingLogger, CONFIG, context, http, PolicyHarness } from './testing/policy-harness.js';

// What a start does with portcullis.yaml and the policy directory: each file is stored again when
// it changed, API changes survive restarts while their file stays as it was, a set that does not
// compile is logged and not stored, and with nothing valid at all the instance refuses to start.

const allowDelete = (id: string, groups = '[agents]') => `rules:\n  - { id: ${id}, effect: allow, match: { groups: ${groups}, http: { methods: [DELETE] } } }\n`;

describe('policy seeding at start', () => {
  let harness: PolicyHarness;

  beforeEach(async () => {
    harness = new PolicyHarness();
    await harness.setUp();
  });

  afterEach(async () => {
    await harness.tearDown();
  });

  /** Starts an instance, runs `check` against it, and stops it: a restart per call. */
  async function withInstance<T>(id: string, check: (client: ReturnType<PolicyHarness['client']>) => Promise<T>, logger = capturingLogger(id)): Promise<T> {
    const app = await harness.start(id, { logger: logger.logger });
    try {
      return await check(harness.client(app));
    } finally {
      await app.stop();
    }
  }

  it('seeds the policy directory with portcullis.yaml in one revision, and nothing again when nothing changed', async () => {
    const path = harness.writePolicyFile('deletes.yaml', allowDelete('agents-delete'));
    harness.writePolicyFile('deletes.test.yaml', 'tests: []\n'); // a policy test, never policy
    harness.writePolicyFile('README.md', '# not policy\n');
    await withInstance('p1', async (client) => {
      const list = await client.list();
      expect(list.version).toBe(1n);
      expect(list.documents.map((d) => [d.name, d.updatedBy])).toEqual([
        ['deletes.yaml', `config:${path}`],
        ['portcullis.yaml', `config:${harness.configPath}`],
      ]);
      const [revision] = (await client.revisions()).revisions;
      expect(revision).toMatchObject({ version: 1n, previousVersion: 0n, changedBy: `config:${harness.configPath}` });
      expect(revision!.changes.map((c) => [c.name, c.action])).toEqual([
        ['portcullis.yaml', eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_PUT],
        ['deletes.yaml', eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_PUT],
      ]);
      expect(await client.decide(context(http('DELETE')))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-delete'], policyVersion: '1' });
    });
    await withInstance('p2', async (client) => expect((await client.list()).version).toBe(1n));
  });

  it('keeps API changes across restarts while the file is unchanged, and re-seeds a file that changed', async () => {
    const path = harness.writePolicyFile('deletes.yaml', allowDelete('agents-delete'));
    await withInstance('p1', async (client) => {
      await client.put('deletes.yaml', allowDelete('operators-delete', '[operators]'));
      await client.put('extra.yaml', allowDelete('auditors-delete', '[auditors]'));
      await client.delete('deletes.yaml'); // and an API delete of a seeded document
      await client.put('deletes.yaml', allowDelete('operators-delete', '[operators]'));
      expect((await client.list()).version).toBe(5n);
    });

    await withInstance('p2', async (client) => {
      const list = await client.list();
      expect(list.version).toBe(5n); // nothing re-seeded
      expect((await client.get('deletes.yaml')).text).toBe(allowDelete('operators-delete', '[operators]'));
      expect(list.documents.map((d) => d.name)).toEqual(['deletes.yaml', 'extra.yaml', 'portcullis.yaml']);
      expect(await client.decide(context(http('DELETE'), ['operators']))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, policyVersion: '5' });
    });

    harness.writePolicyFile('deletes.yaml', allowDelete('agents-delete-v2'));
    await withInstance('p3', async (client) => {
      const list = await client.list();
      expect(list.version).toBe(6n);
      const doc = await client.get('deletes.yaml');
      expect(doc).toMatchObject({ text: allowDelete('agents-delete-v2'), document: { updatedBy: `config:${path}`, version: 6n } });
      expect(doc.document!.seededDigest).toBe(doc.document!.digest);
      const [revision] = (await client.revisions()).revisions;
      expect(revision).toMatchObject({ version: 6n, changedBy: `config:${path}` });
      expect(revision!.changes).toHaveLength(1);
      // The API-only document is untouched.
      expect(list.documents.map((d) => d.name)).toContain('extra.yaml');
      expect(await client.decide(context(http('DELETE')))).toMatchObject({ reasons: ['rule:agents-delete-v2'], policyVersion: '6' });
    });
  });

  it('does not roll back to a file text that was replaced since (a stale copy on a restarting instance)', async () => {
    harness.writePolicyFile('stale.yaml', allowDelete('stale-v1'));
    await withInstance('s1', async (client) => {
      expect(await client.decide(context(http('DELETE')))).toMatchObject({ reasons: ['rule:stale-v1'] });
    });
    harness.writePolicyFile('stale.yaml', allowDelete('stale-v2'));
    const version = await withInstance('s2', async (client) => {
      expect(await client.decide(context(http('DELETE')))).toMatchObject({ reasons: ['rule:stale-v2'] });
      return (await client.list()).version;
    });
    // An instance still holding the first text restarts: the newer text stays in force.
    harness.writePolicyFile('stale.yaml', allowDelete('stale-v1'));
    await withInstance('s3', async (client) => {
      expect((await client.list()).version).toBe(version);
      expect(await client.decide(context(http('DELETE')))).toMatchObject({ reasons: ['rule:stale-v2'] });
    });
  });

  it('keeps an API delete of a seeded document across restarts while its file is unchanged', async () => {
    harness.writePolicyFile('deletes.yaml', allowDelete('agents-delete'));
    await withInstance('p1', (client) => client.delete('deletes.yaml'));
    await withInstance('p2', async (client) => {
      expect((await client.list()).documents.map((d) => d.name)).toEqual(['portcullis.yaml']);
      expect(await client.decide(context(http('DELETE')))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, policyVersion: '2' });
    });
  });

  it('logs every problem of a seeded set that does not compile, at its file, and decides with the stored version', async () => {
    await withInstance('p1', async () => undefined);
    const path = harness.writePolicyFile('broken.yaml', 'rules:\n  - id: broken\n    effect: permit\n');
    const other = harness.writePolicyFile('unknown.yaml', 'rules:\n  - { id: elsewhere, effect: allow, match: { connections: [nowhere] } }\n');
    const log = capturingLogger('p2');
    await withInstance('p2', async (client) => {
      expect(await client.decide(context(http('GET')))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, policyVersion: '1' });
      expect((await client.list()).documents.map((d) => d.name)).toEqual(['portcullis.yaml']);
    }, log);
    const problems = log.lines.filter((line) => line.msg === 'policy file problem').map((line) => line.problem);
    expect(problems).toEqual([
      `${path}:3:13: rules.0.effect: Invalid enum value. Expected 'allow' | 'deny' | 'require_approval', received 'permit'`,
      expect.stringMatching(new RegExp(`^${other}:2:\\d+: rules\\.0\\.match\\.connections\\.0: unknown connection "nowhere"$`)),
    ]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, problems: 2, msg: expect.stringMatching(/^policy files NOT seeded: they do not compile/) }));
  });

  it('refuses to start when nothing valid was ever stored, printing the problems', async () => {
    const path = harness.writePolicyFile('broken.yaml', 'rules:\n  - id: broken\n    effect: permit\n');
    const app = harness.create('p1');
    await expect(app.start()).rejects.toMatchObject({
      code: 'NO_VALID_POLICY',
      message: expect.stringContaining(`\n  ${path}:3:13: rules.0.effect: Invalid enum value.`),
    });
  });

  it('treats a file it cannot take as a problem, never as a silently missing document', async () => {
    await withInstance('p1', async () => undefined);
    const path = harness.writePolicyFile('portcullis.yaml', 'rules: []\n');
    const log = capturingLogger('p2');
    await withInstance('p2', async (client) => expect((await client.list()).version).toBe(1n), log);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'policy file problem', problem: `${path}:1:1: the name portcullis.yaml is the config file's: rename this document` }));
  });

  it('warns about a configured directory that does not exist, and starts', async () => {
    harness.writeConfig(`${CONFIG.replace('policy: { adminGroups: [admins] }', 'policy: { adminGroups: [admins], directory: rules }')}`);
    const log = capturingLogger('p1');
    await withInstance('p1', async (client) => expect((await client.list()).version).toBe(1n), log);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: `policy directory ${harness.dir}/rules does not exist: no documents are seeded from it` }));
  });
});
