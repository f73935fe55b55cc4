/**
 * A regular-expression source matching any of `literals`, factored as a trie:
 * `ghp_|gho_|glpat-` becomes `g(?:h(?:p_|o_)|lpat-)`. V8's engine dispatches on the first
 * character and then follows one branch, instead of trying each alternative at every position,
 * which is what an alternation of dozens of prefixes costs otherwise. Where one literal is a prefix
 * of another (`sk-`, `sk-proj-`), the longer is tried first.
 */
export function literalAlternation(literals: readonly string[]): string {
  const root = new TrieNode();
  for (const literal of literals) {
    let node = root;
    for (const char of literal) node = node.child(char);
    node.terminal = true;
  }
  return root.source();
}

class TrieNode {
  terminal = false;
  private readonly children = new Map<string, TrieNode>();

  child(char: string): TrieNode {
    let next = this.children.get(char);
    if (next === undefined) {
      next = new TrieNode();
      this.children.set(char, next);
    }
    return next;
  }

  source(): string {
    const branches = [...this.children].map(([char, node]) => escapeChar(char) + node.source());
    if (branches.length === 0) return '';
    const body = branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
    if (!this.terminal) return body;
    // Greedy `?`: the longer literal first, then this one.
    return branches.length === 1 && branches[0]!.length === 1 ? `${body}?` : `(?:${branches.join('|')})?`;
  }
}

function escapeChar(char: string): string {
  // Only what is special outside a character class (`-` and `/` are not, and `\-` would not even
  // compile under the `u` flag).
  return /[.*+?^${}()|[\]\\]/.test(char) ? `\\${char}` : char;
}
