import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPolicyFiles } from './policy-files.js';

const config = { path: '/etc/portcullis/portcullis.yaml', text: 'policies: []\n' };

describe('readPolicyFiles', () => {
  it('reads portcullis.yaml as the config document and each policy file by its name, tests and other files aside', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-files-'));
    for (const [name, text] of [['b.yaml', 'rules: []\n'], ['a.yml', 'rules: []\n'], ['a.test.yaml', 'tests: []\n'], ['notes.md', '#'], ['.swap.yaml', 'x']]) writeFileSync(join(dir, name), text);
    mkdirSync(join(dir, 'sub.yaml'));
    const read = readPolicyFiles(config, { path: dir, explicit: true });
    expect(read.problems).toEqual([]);
    expect(read.files.map((f) => [f.name, f.format, f.path])).toEqual([
      ['portcullis.yaml', 'config', config.path],
      ['a.yml', 'document', join(dir, 'a.yml')],
      ['b.yaml', 'document', join(dir, 'b.yaml')],
    ]);
    expect(read.files[1]!.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads no documents from a missing directory, noting it only when it was configured', () => {
    expect(readPolicyFiles(config, { path: '/nonexistent/policies', explicit: false })).toMatchObject({ files: [expect.objectContaining({ name: 'portcullis.yaml' })], problems: [], notes: [] });
    expect(readPolicyFiles(config, { path: '/nonexistent/policies', explicit: true }).notes).toEqual(['policy directory /nonexistent/policies does not exist: no documents are seeded from it']);
  });

  it('makes a problem of a file it cannot take as a document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-files-'));
    writeFileSync(join(dir, 'my rules.yaml'), 'rules: []\n');
    writeFileSync(join(dir, 'portcullis.yaml'), 'rules: []\n');
    writeFileSync(join(dir, 'big.yaml'), `# ${'x'.repeat(1 << 20)}\n`);
    expect(readPolicyFiles(config, { path: dir, explicit: false }).problems).toEqual([
      { source: join(dir, 'big.yaml'), line: 1, column: 1, path: '', message: '1048579 bytes; a document may have at most 1048576' },
      { source: join(dir, 'my rules.yaml'), line: 1, column: 1, path: '', message: expect.stringMatching(/^"my rules.yaml" is not a document name/) },
      { source: join(dir, 'portcullis.yaml'), line: 1, column: 1, path: '', message: "the name portcullis.yaml is the config file's: rename this document" },
    ]);
  });
});
