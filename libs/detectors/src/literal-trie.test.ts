import { describe, expect, it } from 'vitest';
import { literalAlternation } from './literal-trie.js';

describe('literalAlternation', () => {
  const literals = ['ghp_', 'gho_', 'glpat-', 'sk-', 'sk-proj-', 'sk_live_', 'xoxe-', 'xoxe.xoxp-', 'hooks.slack.com/', 'a', 'ab', '(x)', 'a|b'];
  const pattern = new RegExp(`^(?:${literalAlternation(literals)})`);

  it('matches exactly the literals, the longest where one is a prefix of another', () => {
    for (const literal of literals) expect(`${literal}rest`.match(pattern)?.[0]).toBe(literal);
    expect('sk-proj-x'.match(pattern)?.[0]).toBe('sk-proj-');
    expect('xoxe.xoxp-1'.match(pattern)?.[0]).toBe('xoxe.xoxp-');
    expect('abc'.match(pattern)?.[0]).toBe('ab');
  });

  it('matches nothing else, and escapes regex syntax in the literals', () => {
    for (const text of ['gh_', 'glpat', 'sk_test_', 'hooksxslack.com/', 'xoxe.', 'b', 'x)']) expect(pattern.test(text)).toBe(false);
    expect(() => new RegExp(literalAlternation(literals), 'u')).not.toThrow();
  });

  it('factors shared prefixes', () => {
    expect(literalAlternation(['ghp_', 'gho_', 'glpat-'])).toBe('g(?:h(?:p_|o_)|lpat-)');
  });
});
