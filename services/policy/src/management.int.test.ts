import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { BusNames, connectBus, type Bus } from '@portcullis/bus';
import { commonV1, eventsV1, policyV1 } from '@portcullis/proto-gen';
import { eventually } from '@portcullis/testkit';
import { capturingLogger, context, http, PolicyHarness, refused, type PolicyClient } from './testing/policy-harness.js';

// Two policy instances on one database and bus namespace, managed over gRPC the way the CLI does:
// a change on one is decided by the other within a second, announced once with who and what,
// refused whole when it does not compile, serialized when two race, and admins only.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const DELETE_RULES = `rules:\n  - { id: agents-delete, effect: allow, match: { groups: [agents], http: { methods: [DELETE] } } }\n`;
const MARKER = 'text-marker-that-must-not-be-logged';

describe('policy management with two instances', () => {
  const harness = new PolicyHarness();
  const names = new BusNames(harness.namespace);
  const logA = capturingLogger('policy-a');
  const heard: eventsV1.Event[] = [];
  let a: PolicyClient;
  let b: PolicyClient;
  let bus: Bus;

  beforeAll(async () => {
    await harness.setUp();
    // Info level, as in production: what this log holds is what an operator's log holds.
    a = harness.client(await harness.start('policy-a', { logger: logA.logger }));
    // B polls once a minute: within this test it can only learn of a change from the event.
    b = harness.client(await harness.start('policy-b', { env: { POLICY_RELOAD_INTERVAL_MS: '60000' } }));
    bus = await connectBus({ url: harness.nats, name: 'policy-test' });
    bus.nc.subscribe(names.policyChanges, { callback: (_err, msg) => void heard.push(eventsV1.Event.decode(msg.data)) });
    await bus.nc.flush();
  });

  afterAll(async () => {
    await bus?.close();
    await harness.tearDown();
  });

  const changesHeard = () => heard.flatMap((event) => (event.body?.$case === 'policyChanged' && event.body.value.cause === eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_CHANGE ? [{ event, body: event.body.value }] : []));
  const versionOf = async (client: PolicyClient) => (await client.list()).version;

  it('puts a document on A; B decides with it within a second, and the change is announced once with who and what', async () => {
    expect(await b.decide(context(http('DELETE')))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'], policyVersion: '1' });
    const put = await a.put('agents-delete.yaml', DELETE_RULES);
    const putAt = Date.now();
    expect(put).toMatchObject({ version: 2n, revision: { version: 2n, previousVersion: 1n, changedBy: 'alice', digest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(put.revision!.changes).toEqual([{ name: 'agents-delete.yaml', action: eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_PUT, oldDigest: '', newDigest: sha256(DELETE_RULES) }]);
    // A decides with it as soon as the call returns.
    expect(await a.decide(context(http('DELETE')))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-delete'], policyVersion: '2' });
    const decided = await eventually(async () => {
      const decision = await b.decide(context(http('DELETE')));
      return decision.policyVersion === '2' ? decision : undefined;
    }, 1000, 'B deciding with version 2');
    expect(Date.now() - putAt).toBeLessThan(1000);
    expect(decided).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-delete'], decidedBy: 'policy-b' });

    const [change] = await eventually(() => (changesHeard().some((c) => c.body.policyVersion === '2') ? changesHeard().filter((c) => c.body.policyVersion === '2') : undefined), 2000, 'the PolicyChanged');
    expect(change!.event).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), source: 'policy:policy-a' });
    expect(change!.body).toEqual({
      policyVersion: '2',
      previousVersion: '1',
      rules: 3,
      changedBy: 'alice',
      changes: put.revision!.changes,
      digest: put.revision!.digest,
      cause: eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_CHANGE,
    });
    // Stored durably, exactly once.
    const stored = await bus.jsm.streams.getMessage(names.eventsStream, { last_by_subj: names.policyChangedSubject });
    expect(eventsV1.Event.decode(stored!.data).id).toBe(change!.event.id);
  });

  it('replacing a document names its old and new digest; putting the same text again changes nothing', async () => {
    const next = DELETE_RULES.replace('[agents]', '[agents, operators]');
    const put = await b.put('agents-delete.yaml', next, 'admin2-token');
    expect(put.revision).toMatchObject({ previousVersion: 2n, version: 3n, changedBy: 'bob' });
    expect(put.revision!.changes).toEqual([{ name: 'agents-delete.yaml', action: eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_PUT, oldDigest: sha256(DELETE_RULES), newDigest: sha256(next) }]);
    expect(await b.put('agents-delete.yaml', next)).toEqual({ revision: undefined, version: 3n });
    await eventually(async () => ((await a.decide(context(http('DELETE'), ['operators']))).policyVersion === '3' ? true : undefined), 1000, 'A at version 3');
  });

  it('decides on everything the request context carries: scopes, kind, claims, query', async () => {
    await a.put('facts.yaml', 'rules:\n  - { id: scoped-csv, effect: allow, match: { principal: { scopes: [reports:read], kinds: [machine], claims: { tenant: acme } }, http: { methods: [POST], query: { format: csv } } } }\n');
    const base = context({ $case: 'http', value: { method: 'POST', path: '/r', query: 'format=csv', headers: [] } });
    const principal = { ...base.principal!, scopes: ['reports:read'], claimsJson: '{"tenant":"acme"}' };
    expect(await a.decide({ ...base, principal })).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:scoped-csv'], message: expect.stringMatching(/scoped-csv/) });
    for (const other of [{ ...principal, scopes: [] }, { ...principal, kind: 'human' }, { ...principal, claimsJson: '{"tenant":"other"}' }]) {
      expect(await a.decide({ ...base, principal: other })).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'] });
    }
    expect(await a.decide({ ...base, principal, target: { $case: 'http', value: { method: 'POST', path: '/r', query: 'format=json', headers: [] } } })).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY });
    await a.delete('facts.yaml');
  });

  it('refuses a document that does not compile, with every problem, and keeps the version in force', async () => {
    const before = await a.list();
    const bad = `rules:\n  - id: broken-effect\n    effect: permit\n  - id: typo\n    effect: allow\n    match: { connections: [demo-http], http: { metods: [GET] } }\n# ${MARKER}\n`;
    const refusal = await refused(a.put('bad.yaml', bad));
    expect(refusal).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: 'POLICY_INVALID' });
    expect(refusal.problems).toEqual([
      { source: 'bad.yaml', line: 3, column: 13, path: 'rules.0.effect', message: "Invalid enum value. Expected 'allow' | 'deny' | 'require_approval', received 'permit'" },
      { source: 'bad.yaml', line: 6, column: 48, path: 'rules.1.match.http', message: 'unknown key "metods"' },
    ]);
    expect(refusal.details.split('\n')).toEqual([
      'the policy would not compile (2 problems); nothing was changed',
      "bad.yaml:3:13: rules.0.effect: Invalid enum value. Expected 'allow' | 'deny' | 'require_approval', received 'permit'",
      'bad.yaml:6:48: rules.1.match.http: unknown key "metods"',
    ]);
    // An unknown connection is a problem of the whole set, found the same way.
    const unknown = await refused(b.put('elsewhere.yaml', 'rules:\n  - { id: elsewhere, effect: allow, match: { connections: [nowhere] } }\n'));
    expect(unknown.problems).toEqual([expect.objectContaining({ source: 'elsewhere.yaml', line: 2, path: 'rules.0.match.connections.0', message: 'unknown connection "nowhere"' })]);

    const after = await a.list();
    expect(after).toEqual(before);
    expect(after.documents.map((d) => d.name)).not.toContain('bad.yaml');
    expect(await b.decide(context(http('DELETE')))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, policyVersion: String(before.version) });
  });

  it('refuses a document with hundreds of problems within what a trailer can carry; CheckPolicy gives them all', async () => {
    const text = `rules:\n${Array.from({ length: 300 }, (_, i) => `  - { id: r${i}, effect: permit }\n`).join('')}`;
    const refusal = await refused(a.put('many.yaml', text));
    expect(refusal).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: 'POLICY_INVALID', total: 300 });
    expect(refusal.problems.length).toBeGreaterThan(20);
    expect(refusal.problems.length).toBeLessThan(300);
    expect(refusal.problems[0]).toMatchObject({ source: 'many.yaml', line: 2, path: 'rules.0.effect' });
    expect(refusal.details.split('\n')).toHaveLength(22); // the summary, 20 problems, "… and 280 more"
    const checked = await a.check('many.yaml', text);
    expect(checked.problems).toHaveLength(300);
    expect(checked.problems[299]).toMatchObject({ line: 301, path: 'rules.299.effect' });
    expect(await a.check('fine.yaml', DELETE_RULES.replace('agents-delete', 'fine'))).toEqual({ problems: [], rules: 4 });
    expect(await refused(a.check('fine.yaml', DELETE_RULES, 'agent-token'))).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('serializes concurrent puts on both instances: consecutive versions, none lost', async () => {
    const start = await versionOf(a);
    const puts = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).put(`race-${i}.yaml`, `rules:\n  - { id: race-${i}, effect: deny, match: { subjects: [nobody-${i}] } }\n`));
    const results = await Promise.all(puts);
    const versions = results.map((r) => Number(r.revision!.version)).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 10 }, (_, i) => Number(start) + 1 + i));
    const list = await b.list();
    expect(list.version).toBe(start + 10n);
    expect(list.documents.filter((d) => d.name.startsWith('race-'))).toHaveLength(10);
    const history = (await a.revisions()).revisions;
    for (const revision of history) expect(revision.previousVersion).toBe(revision.version - 1n);
    expect(history.map((r) => r.version)).toEqual([...history.map((r) => r.version)].sort((x, y) => (x < y ? 1 : -1)));
    await eventually(async () => ((await a.decide(context(http('GET')))).policyVersion === String(list.version) && (await b.decide(context(http('GET')))).policyVersion === String(list.version) ? true : undefined), 1000, 'both at the last version');
  });

  it('refuses a put made against a version that is no longer current', async () => {
    const current = await versionOf(a);
    const stale = await refused(a.put('race-0.yaml', 'rules: []\n', 'admin-token', current - 1n));
    expect(stale).toMatchObject({ code: grpc.status.ABORTED, reason: 'VERSION_CONFLICT', details: `the policy is at version ${current}, not ${current - 1n}: reread it and apply again` });
    expect(await a.put('race-0.yaml', 'rules: []\n', 'admin-token', current)).toMatchObject({ version: current + 1n });
  });

  it('deletes a document: B stops deciding by it', async () => {
    const deleted = await a.delete('agents-delete.yaml');
    expect(deleted.revision!.changes).toEqual([{ name: 'agents-delete.yaml', action: eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_DELETE, oldDigest: expect.stringMatching(/^[0-9a-f]{64}$/), newDigest: '' }]);
    await eventually(async () => ((await b.decide(context(http('DELETE')))).effect === commonV1.Effect.EFFECT_DENY ? true : undefined), 1000, 'B denying DELETE again');
    expect(await refused(a.delete('agents-delete.yaml'))).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'DOCUMENT_NOT_FOUND', details: 'no policy document "agents-delete.yaml"' });
  });

  it('lists, shows and explains the policy', async () => {
    const list = await a.list();
    const config = list.documents.find((d) => d.name === 'portcullis.yaml')!;
    expect(config).toMatchObject({ format: policyV1.DocumentFormat.DOCUMENT_FORMAT_CONFIG, version: 1n, updatedBy: `config:${harness.configPath}`, digest: config.seededDigest });
    expect(list.rules).toBe(11); // 2 in portcullis.yaml, one in each race document but race-0 (emptied)
    const shown = await b.get('race-1.yaml');
    expect(shown).toMatchObject({ text: 'rules:\n  - { id: race-1, effect: deny, match: { subjects: [nobody-1] } }\n', document: { name: 'race-1.yaml', updatedBy: 'alice', format: policyV1.DocumentFormat.DOCUMENT_FORMAT_DOCUMENT, seededDigest: '' } });
    expect(await refused(b.get('nope.yaml'))).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'DOCUMENT_NOT_FOUND' });

    const explained = await b.explain(context(http('GET')));
    expect(explained).toMatchObject({ policyVersion: String(list.version), decidedBy: 'policy-b', decision: { effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-read'], message: expect.any(String) } });
    expect(explained.rules.find((r) => r.id === 'agents-read')).toMatchObject({ source: 'portcullis.yaml', matched: true, effect: commonV1.Effect.EFFECT_ALLOW });
    expect(explained.rules.find((r) => r.id === 'race-1')).toMatchObject({ source: 'race-1.yaml', matched: false, because: expect.any(String) });
    expect(await refused(b.explain({ ...context(http('GET')), principal: undefined }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_REQUEST', details: 'cannot explain this request: missing principal' });
  });

  it('keeps portcullis.yaml for the config file and refuses names that are not document names', async () => {
    expect(await refused(a.put('portcullis.yaml', 'policies: []\n'))).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, reason: 'CONFIG_DOCUMENT' });
    expect(await refused(a.delete('portcullis.yaml'))).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, reason: 'CONFIG_DOCUMENT' });
    for (const name of ['../etc.yaml', 'rules.json', 'x.test.yaml', '', 'a'.repeat(200) + '.yaml']) {
      expect(await refused(a.put(name, 'rules: []\n'))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_NAME' });
    }
    expect(await refused(a.put('huge.yaml', `# ${'x'.repeat(1 << 20)}\nrules: []\n`))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: 'DOCUMENT_TOO_LARGE' });
  });

  it('admins only: no token, a refused token and a non-admin are told exactly why', async () => {
    const calls: [string, (token?: string) => Promise<unknown>][] = [
      ['PutPolicy', (t) => a.call(a.raw.putPolicy, { name: 'x.yaml', text: 'rules: []\n' }, t)],
      ['CheckPolicy', (t) => a.call(a.raw.checkPolicy, { name: 'x.yaml', text: 'rules: []\n' }, t)],
      ['DeletePolicy', (t) => a.call(a.raw.deletePolicy, { name: 'race-1.yaml' }, t)],
      ['ListPolicies', (t) => a.call(a.raw.listPolicies, {}, t)],
      ['GetPolicy', (t) => a.call(a.raw.getPolicy, { name: 'race-1.yaml' }, t)],
      ['ListRevisions', (t) => a.call(a.raw.listRevisions, { limit: 1, beforeVersion: 0n }, t)],
      ['Explain', (t) => a.call(a.raw.explain, { context: context(http('GET')), time: undefined }, t)],
    ];
    for (const [, call] of calls) {
      expect(await refused(call(undefined))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'TOKEN_MISSING', details: 'a bearer token is required (authorization: Bearer <token>)', problems: [] });
      expect(await refused(call('forged-token'))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'SIGNATURE_INVALID', details: 'the token signature does not verify', problems: [] });
      expect(await refused(call('agent-token'))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_POLICY_ADMIN', details: 'demo-agent is not in a policy admin group (policy.adminGroups)', problems: [] });
    }
    expect(logA.lines).toContainEqual(expect.objectContaining({ msg: 'policy call refused', call: 'PutPolicy', principal: 'demo-agent', reason: 'NOT_POLICY_ADMIN' }));
    // Decide is the data path: no token.
    expect(await a.decide(context(http('GET')))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW });
  });

  it('never logs a token or a document text', () => {
    const log = JSON.stringify(logA.lines);
    expect(log).toContain('policy changed');
    for (const secret of ['admin-token', 'admin2-token', 'agent-token', 'forged-token', MARKER, 'nobody-0', 'metods']) expect(log).not.toContain(secret);
  });
});
