import { describe, expect, it } from 'vitest';
import { commonV1, policyV1 } from '@portcullis/proto-gen';
import { formatApplied, formatExplanation, formatPolicyList, formatProblems } from './policy-format.js';

const { Effect } = commonV1;

describe('policy formatting', () => {
  it('says whether a file created, replaced or did not change a document', () => {
    const revision = (oldDigest: string) => ({ version: 4n, previousVersion: 3n, changedBy: 'alice', digest: '', createdAt: undefined, changes: [{ name: 'a.yaml', action: 1, oldDigest, newDigest: 'b'.repeat(64) }] });
    expect(formatApplied('p/a.yaml', { version: 4n, revision: revision('') })).toBe(`p/a.yaml: policy version 4 (created, now ${'b'.repeat(12)})`);
    expect(formatApplied('p/a.yaml', { version: 4n, revision: revision('a'.repeat(64)) })).toBe(`p/a.yaml: policy version 4 (replaced ${'a'.repeat(12)}, now ${'b'.repeat(12)})`);
    expect(formatApplied('p/a.yaml', { version: 4n, revision: undefined })).toBe('p/a.yaml: unchanged (policy version 4)');
  });

  it('tells a document from its file, from the API, and changed through the API over its file', () => {
    const doc = (name: string, digest: string, seededDigest: string) => policyV1.PolicyDocument.fromPartial({ name, digest, seededDigest, version: 2n, updatedBy: 'x' });
    const text = formatPolicyList(policyV1.ListPoliciesResponse.fromPartial({ version: 2n, rules: 1, documents: [doc('f.yaml', 'aa', 'aa'), doc('a.yaml', 'bb', ''), doc('o.yaml', 'cc', 'dd')] }));
    expect(text.split('\n').slice(3).map((line) => line.split(/\s{2,}/)[3])).toEqual(['file', 'api', 'api (over file)']);
  });

  it('shows problems one per line at the files given, control characters escaped', () => {
    expect(formatProblems([{ source: 'a.yaml', line: 2, column: 5, path: 'rules.0.id', message: 'bad \x1b[31mid' }, { source: 'b.yaml', line: 1, column: 1, path: '', message: 'YAML: x' }], new Map([['a.yaml', 'p/a.yaml']]))).toBe(
      'p/a.yaml:2:5: rules.0.id: bad \\x1b[31mid\nb.yaml:1:1: YAML: x',
    );
  });

  it('explains a SQL decision statement by statement, then rule by rule', () => {
    const decision = (effect: commonV1.Effect) => policyV1.ExplainedDecision.fromPartial({ effect });
    const text = formatExplanation(
      policyV1.ExplainResponse.fromPartial({
        decision: { effect: Effect.EFFECT_REQUIRE_APPROVAL, reasons: ['rule:destructive'], message: 'statement 2 of 2: needs approval' },
        policyVersion: '7',
        decidedBy: 'policy-1',
        statements: [
          { text: 'select 1', kinds: ['select'], decision: decision(Effect.EFFECT_ALLOW) },
          { text: 'drop table orders', kinds: ['drop_table'], tablesWritten: ['orders'], decision: decision(Effect.EFFECT_REQUIRE_APPROVAL) },
        ],
        rules: [
          { id: 'writers-dml', source: 'sql.yaml', effect: Effect.EFFECT_ALLOW, matched: true, because: 'every condition holds', statement: 0 },
          { id: 'destructive', source: 'sql.yaml', effect: Effect.EFFECT_REQUIRE_APPROVAL, matched: true, because: 'every condition holds', statement: 1 },
        ],
      }),
    );
    expect(text).toBe(
      [
        'require_approval — statement 2 of 2: needs approval',
        '  reasons rule:destructive; policy version 7, decided by policy-1',
        '  #1 select 1  kinds select  → allow',
        '  #2 drop table orders  kinds drop_table  written orders  → require_approval',
        '',
        'STMT  RULE         SOURCE    EFFECT            MATCHED  BECAUSE',
        '1     writers-dml  sql.yaml  allow             yes      every condition holds',
        '2     destructive  sql.yaml  require_approval  yes      every condition holds',
      ].join('\n'),
    );
  });
});
