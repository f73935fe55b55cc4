import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadPortcullisConfig, parsePortcullisConfig, resolveSecret } from './index.js';

const problemsOf = (text: string): readonly string[] => {
  try {
    parsePortcullisConfig(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('parsePortcullisConfig', () => {
  it('parses the shipped example', () => {
    const config = loadPortcullisConfig(join(import.meta.dirname, '../../../portcullis.yaml'));
    expect(config.connections.map((c) => c.name)).toEqual(['demo-http', 'demo-pg', 'demo-mcp', 'notes']);
    expect(config.mcp.sessionKey).toEqual({ env: 'PORTCULLIS_MCP_SESSION_KEY' });
    expect(config.maskingProfiles[0]?.columns).toEqual(['customers.card_number', 'customers.email']);
    expect(config.policies).toHaveLength(10);
    expect(config.policy).toEqual({ directory: 'policies', adminGroups: ['admins'] });
    expect(Object.isFrozen(config.policies[0])).toBe(true);
  });

  it('reports every problem at once, each with its location', () => {
    const problems = problemsOf(`
connections:
  - { name: Demo, type: http, upstream: "ftp://x" }
  - { name: demo, type: http, upstream: "http://x" }
  - { name: demo, type: http, upstream: "http://y" }
`);
    expect(problems).toEqual([
      expect.stringMatching(/^connections\.0\.name: /),
      expect.stringMatching(/^connections\.0\.upstream: must be an http/),
      'connections: duplicate connection "demo"',
    ]);
  });

  it('reads per-principal limits with defaults, and reports each unusable one', () => {
    expect(parsePortcullisConfig('').limits).toEqual({ perPrincipal: { concurrentRequests: 128, pendingHolds: 20, bufferedBodyBytes: 64 << 20, retryAfter: 1000 }, overrides: [] });
    const set = parsePortcullisConfig('limits: { perPrincipal: { concurrentRequests: 4, pendingHolds: 2, retryAfter: 30s }, overrides: [{ group: batch, concurrentRequests: 64 }] }').limits;
    expect(set).toEqual({ perPrincipal: { concurrentRequests: 4, pendingHolds: 2, bufferedBodyBytes: 64 << 20, retryAfter: 30_000 }, overrides: [{ group: 'batch', concurrentRequests: 64 }] });
    expect(problemsOf('limits: { perPrincipal: { concurrentRequests: 0, pendingHolds: 1.5, retryAfter: 100ms, maxHolds: 3 } }')).toEqual([
      expect.stringMatching(/^limits\.perPrincipal\.concurrentRequests: /),
      expect.stringMatching(/^limits\.perPrincipal\.pendingHolds: /),
      'limits.perPrincipal.retryAfter: must be between 1s and 1h',
      expect.stringMatching(/^limits\.perPrincipal: Unrecognized key.*maxHolds/),
    ]);
    expect(problemsOf('limits: { overrides: [{ group: a, clientId: b, pendingHolds: 1 }, { group: c }] }')).toEqual(['limits.overrides.0: give exactly one of group or clientId', 'limits.overrides.1: an override sets at least one of concurrentRequests, pendingHolds, bufferedBodyBytes']);
    // A budget below what one request may carry would refuse that request every time.
    expect(problemsOf('connections: [{ name: big, type: http, upstream: "http://x", maxRequestBytes: 2000000 }]\nlimits: { perPrincipal: { bufferedBodyBytes: 1000000 } }')).toEqual([
      "limits.perPrincipal.bufferedBodyBytes: must be at least 2000000 (connection big's maxRequestBytes): such a request could never be served",
    ]);
  });

  it('leaves the policies section to the policy service, which validates it with positions', () => {
    // A broken rule must not stop ingress, identity or audit: the policy service refuses it and
    // keeps the last good version (libs/policy-language).
    expect(parsePortcullisConfig('policies:\n  - { id: a, effect: maybe, match: { sql: {} } }\n').policies).toHaveLength(1);
  });

  it('refuses unknown keys, bad durations and YAML syntax errors', () => {
    expect(problemsOf('issuers: [{ issuer: "http://i", audience: a, maxTokenLifetime: forever }]')[0]).toMatch(/not a duration/);
    expect(problemsOf('polices: []')[0]).toMatch(/Unrecognized key/);
    expect(problemsOf('a: [1, 2')[0]).toMatch(/^YAML: /);
    expect(problemsOf('a: 1\na: 2')[0]).toMatch(/^YAML: /);
  });

  it('reads the policy section, closed by default: no directory named, no admins', () => {
    expect(parsePortcullisConfig('').policy).toEqual({ adminGroups: [] });
    expect(parsePortcullisConfig('policy: { directory: rules, adminGroups: [admins] }').policy).toEqual({ directory: 'rules', adminGroups: ['admins'] });
    expect(problemsOf('policy: { directory: "", adminGroup: [admins] }')).toEqual([
      expect.stringMatching(/^policy\.directory: /),
      expect.stringMatching(/^policy: Unrecognized key.*adminGroup/),
    ]);
  });

  it('refuses inline connection secrets', () => {
    expect(problemsOf('connections: [{ name: c, type: http, upstream: "http://u", credential: { secret: "hunter2" } }]')[0]).toMatch(/connections\.0\.credential\.secret/);
  });

  it('gives a connection the default decision headers and no tags', () => {
    const [connection] = parsePortcullisConfig('connections: [{ name: c, type: http, upstream: "http://u" }]').connections;
    expect(connection).toMatchObject({ decisionHeaders: ['content-type', 'accept', 'user-agent'], tags: [] });
  });

  it('reads decision headers and tags, and refuses malformed ones', () => {
    const [connection] = parsePortcullisConfig('connections: [{ name: c, type: http, upstream: "http://u", decisionHeaders: [x-tenant], tags: ["env:prod", team.payments_1] }]').connections;
    expect(connection).toMatchObject({ decisionHeaders: ['x-tenant'], tags: ['env:prod', 'team.payments_1'] });
    expect(problemsOf('connections: [{ name: c, type: http, upstream: "http://u", decisionHeaders: [X-Tenant, "a b", x-a, x-a] }]')).toEqual([
      'connections.0.decisionHeaders.0: must be a lowercase header name (a-z, 0-9, -)',
      'connections.0.decisionHeaders.1: must be a lowercase header name (a-z, 0-9, -)',
      'connections.0.decisionHeaders.3: "x-a" is listed twice',
    ]);
    expect(problemsOf('connections: [{ name: c, type: http, upstream: "http://u", tags: [Prod, -x, ""] }]')).toHaveLength(3);
  });

  it('refuses decision headers that carry secrets: credentials, cookies and the connection credential header', () => {
    const problems = problemsOf(`
connections:
  - name: c
    type: http
    upstream: "http://u"
    credential: { header: X-Api-Key, secret: { env: KEY } }
    decisionHeaders: [accept, authorization, proxy-authorization, cookie, set-cookie, x-api-key]
`);
    expect(problems).toEqual([
      'connections.0.decisionHeaders.1: "authorization" cannot be a decision header: it carries credentials, and what policy decides on is recorded in the audit log',
      'connections.0.decisionHeaders.2: "proxy-authorization" cannot be a decision header: it carries credentials, and what policy decides on is recorded in the audit log',
      'connections.0.decisionHeaders.3: "cookie" cannot be a decision header: it carries credentials, and what policy decides on is recorded in the audit log',
      'connections.0.decisionHeaders.4: "set-cookie" cannot be a decision header: it carries credentials, and what policy decides on is recorded in the audit log',
      `connections.0.decisionHeaders.5: "x-api-key" cannot be a decision header: it is this connection's credential header, and what policy decides on is recorded in the audit log`,
    ]);
    // Without a credential of its own the connection may decide on x-api-key; authorization never.
    expect(problemsOf('connections: [{ name: c, type: http, upstream: "http://u", decisionHeaders: [x-api-key, authorization] }]')).toEqual([
      expect.stringMatching(/^connections\.0\.decisionHeaders\.1: "authorization" cannot be a decision header/),
    ]);
  });

  it('reads masking profiles, with no field or column rules by default', () => {
    const config = parsePortcullisConfig(`
maskingProfiles:
  - { name: plain, detectors: [email] }
  - { name: hr, fields: [password], columns: [hr.users.ssn, 'Users.Email', '"Payroll"."IBAN"', '*.*.card_number', 'cards.*'] }
`);
    expect(config.maskingProfiles).toEqual([
      { name: 'plain', detectors: ['email'], fields: [], columns: [], styles: {}, fieldStyles: {} },
      // kept as written: the masking service and ingress read the patterns with the same parser
      { name: 'hr', detectors: [], fields: ['password'], columns: ['hr.users.ssn', 'Users.Email', '"Payroll"."IBAN"', '*.*.card_number', 'cards.*'], styles: {}, fieldStyles: {} },
    ]);
  });

  it('reads masking styles per detector and per field rule, and needs a token key to tokenise', () => {
    const config = parsePortcullisConfig(`
masking: { tokenKey: { env: MASKING_TOKEN_KEY } }
maskingProfiles:
  - name: styled
    detectors: [email, card]
    fields: [password, { name: Customer_Id, style: tokenise }]
    styles: { email: tokenise, card: redact, field: partial }
`);
    expect(config.maskingProfiles[0]).toEqual({
      name: 'styled',
      detectors: ['email', 'card'],
      fields: ['password', 'Customer_Id'],
      columns: [],
      styles: { email: 'tokenise', card: 'redact', field: 'partial' },
      fieldStyles: { customer_id: 'tokenise' },
    });
    expect(config.masking.tokenKey).toEqual({ env: 'MASKING_TOKEN_KEY' });
    expect(() => parsePortcullisConfig('maskingProfiles: [{ name: t, detectors: [email], styles: { email: tokenise } }]')).toThrow(/tokenises, which needs masking.tokenKey/);
    expect(() => parsePortcullisConfig('maskingProfiles: [{ name: t, detectors: [email], styles: { email: hide } }]')).toThrow(/unknown style "hide"/);
    expect(() => parsePortcullisConfig('maskingProfiles: [{ name: t, detectors: [emial] }]')).toThrow(/unknown detector "emial"/);
    expect(() => parsePortcullisConfig('maskingProfiles: [{ name: t, styles: { phoen: redact } }]')).toThrow(/unknown detector "phoen"/);
  });

  it('refuses column rules that are not [schema.]table.column, saying why', () => {
    const problems = problemsOf(`
maskingProfiles:
  - name: p
    columns: [ssn, db.hr.users.ssn, users..ssn, 'users."ssn', 'users."a"b', 'users.first name', 'users.""', 'users.', 7]
`);
    expect(problems).toEqual([
      'maskingProfiles.0.columns.0: column pattern "ssn" has 1 part; use table.column or schema.table.column',
      'maskingProfiles.0.columns.1: column pattern "db.hr.users.ssn" has 4 parts; use table.column or schema.table.column',
      'maskingProfiles.0.columns.2: column pattern "users..ssn" has an empty part',
      'maskingProfiles.0.columns.3: column pattern "users.\\"ssn" has an unterminated quoted part',
      'maskingProfiles.0.columns.4: column pattern "users.\\"a\\"b": a quoted part must be followed by a dot or the end',
      expect.stringMatching(/^maskingProfiles\.0\.columns\.5: column pattern "users\.first name": "first name" is not an identifier \(quote it/),
      'maskingProfiles.0.columns.6: column pattern "users.\\"\\"" has an empty quoted part ("")',
      'maskingProfiles.0.columns.7: column pattern "users." ends with an empty part',
      expect.stringMatching(/^maskingProfiles\.0\.columns\.8: Expected string/),
    ]);
  });

  it('names an unreadable file', () => {
    expect(() => loadPortcullisConfig('/nonexistent/portcullis.yaml')).toThrow(/cannot read file: ENOENT/);
  });
});

describe('resolveSecret', () => {
  it('reads secrets from the environment or a file, naming the reference (never the value) when missing', () => {
    expect(resolveSecret({ env: 'S' }, { S: 'v' })).toBe('v');
    expect(() => resolveSecret({ env: 'MISSING' }, {})).toThrow(/MISSING is not set/);
    const file = join(mkdtempSync(join(tmpdir(), 'secret-')), 's');
    writeFileSync(file, 'from-file\n');
    expect(resolveSecret({ file })).toBe('from-file');
    writeFileSync(file, '');
    expect(() => resolveSecret({ file })).toThrow(/empty/);
  });
});
