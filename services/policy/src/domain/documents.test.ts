import { describe, expect, it } from 'vitest';
import { ActivePolicy, documentDigest, documentNameProblem, planChanges, setDigest, sourcesOf } from './index.js';

const doc = (name: string, text: string, format: 'document' | 'config' = 'document') => ({ name, format, text, digest: documentDigest(text) });

describe('document names', () => {
  it('takes file names ending in .yaml or .yml, and nothing that is a path, a test or another kind of file', () => {
    for (const name of ['sql.yaml', 'mcp-tools.yml', 'A_b.c-1.yaml']) expect(documentNameProblem(name)).toBeUndefined();
    expect(documentNameProblem('../x.yaml')).toMatch(/is not a document name: use letters/);
    expect(documentNameProblem('dir/x.yaml')).toMatch(/is not a document name/);
    expect(documentNameProblem('.hidden.yaml')).toMatch(/is not a document name/);
    expect(documentNameProblem('rules.json')).toBe('"rules.json" is not a document name: it must end in .yaml or .yml');
    expect(documentNameProblem('sql.test.yaml')).toBe('"sql.test.yaml" names a policy test file (*.test.yaml), not a policy document');
    expect(documentNameProblem('x\u202e.yaml')).toBe('"x\\u202e.yaml" is not a document name: use letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit');
  });
});

describe('planChanges', () => {
  const a = doc('a.yaml', 'rules: []\n');
  const b = doc('b.yaml', 'rules: [x]\n');

  it('says what each edit changes, with old and new digests, and leaves out edits that change nothing', () => {
    const plan = planChanges([a, b], [
      { kind: 'put', name: 'a.yaml', format: 'document', text: a.text },
      { kind: 'put', name: 'b.yaml', format: 'document', text: 'rules: [y]\n' },
      { kind: 'put', name: 'c.yaml', format: 'document', text: 'rules: [z]\n' },
      { kind: 'delete', name: 'gone.yaml' },
    ]);
    expect(plan.changes).toEqual([
      { name: 'b.yaml', action: 'put', oldDigest: b.digest, newDigest: documentDigest('rules: [y]\n') },
      { name: 'c.yaml', action: 'put', newDigest: documentDigest('rules: [z]\n') },
    ]);
    expect(plan.next.map((d) => d.name)).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
    expect(planChanges([a, b], [{ kind: 'delete', name: 'a.yaml' }]).changes).toEqual([{ name: 'a.yaml', action: 'delete', oldDigest: a.digest }]);
  });
});

describe('setDigest and sourcesOf', () => {
  it('digests names and texts whatever the order, and cannot be fooled by moving text between names', () => {
    const x = doc('x.yaml', 'ab');
    expect(setDigest([x, doc('y.yaml', 'c')])).toBe(setDigest([doc('y.yaml', 'c'), x]));
    expect(setDigest([doc('x.yaml', 'a'), doc('y.yaml', 'bc')])).not.toBe(setDigest([x, doc('y.yaml', 'c')]));
    expect(setDigest([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('compiles the config file first, then documents by name', () => {
    expect(sourcesOf([doc('b.yaml', ''), doc('portcullis.yaml', '', 'config'), doc('a.yaml', '')]).map((s) => s.name)).toEqual(['portcullis.yaml', 'a.yaml', 'b.yaml']);
  });
});

describe('ActivePolicy', () => {
  const compiled = { digest: 'd', ruleCount: 0, decide: () => { throw new Error('unused'); }, explain: () => { throw new Error('unused'); } };

  it('puts newer versions in force only, unless told the store went back', () => {
    const active = new ActivePolicy();
    expect(() => active.current).toThrow('no policy loaded yet');
    expect(active.offer({ version: 2, digest: 'b', compiled })).toBe(true);
    expect(active.offer({ version: 1, digest: 'a', compiled })).toBe(false);
    expect(active.offer({ version: 2, digest: 'a', compiled })).toBe(false);
    expect(active.current.digest).toBe('b');
    active.replace({ version: 1, digest: 'a', compiled });
    expect(active.version).toBe(1);
  });
});
