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
    expect(config.connections.map((c) => c.name)).toEqual(['demo-http']);
    expect(config.policies).toHaveLength(3);
    expect(config.policy).toEqual({ directory: 'policies', adminGroups: ['admins'] });
    expect(Object.isFrozen(config.policies[0]!.match)).toBe(true);
  });

  it('reports every problem at once, each with its location', () => {
    const problems = problemsOf(`
connections:
  - { name: Demo, type: http, upstream: "ftp://x" }
policies:
  - { id: a, effect: allow, match: { connections: [nope] }, maskingProfile: missing }
  - { id: a, effect: require_approval, match: {} }
  - { id: b, effect: allow, match: { http: { metods: [GET] } } }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^connections\.0\.name: /),
        expect.stringMatching(/^connections\.0\.upstream: must be an http/),
        expect.stringMatching(/policies\.1\.approval: require_approval needs/),
        expect.stringMatching(/policies\.2\.match\.http: Unrecognized key.*metods/),
        expect.stringMatching(/duplicate policy id "a"/),
        expect.stringMatching(/policies\.0\.match\.connections: unknown connection "nope"/),
        expect.stringMatching(/policies\.0\.maskingProfile: unknown masking profile "missing"/),
      ]),
    );
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
