/**
 * Name globs for tools, resources, prompts, statement kinds, tables, functions and subjects: "*"
 * matches any run of characters (dots and slashes included), everything else is literal. Matching
 * is linear-time (greedy, one backtrack point), never a regex: a crafted name cannot stall policy.
 */
export type NameMatcher = (value: string) => boolean;

export function compileGlob(glob: string, options: { ignoreCase?: boolean } = {}): NameMatcher {
  const fold = options.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const pattern = fold(glob);
  if (!pattern.includes('*')) return (value) => fold(value) === pattern;
  if (pattern === '*') return () => true;
  const parts = pattern.split('*');
  return (value) => matchParts(parts, fold(value));
}

/** Any of several globs. */
export function compileGlobs(globs: readonly string[], options: { ignoreCase?: boolean } = {}): NameMatcher {
  if (!options.ignoreCase && !globs.some((g) => g.includes('*'))) {
    // The common case, on the hot path: exact names.
    const names = new Set(globs);
    return (value) => names.has(value);
  }
  const exact = new Set<string>();
  const wild: NameMatcher[] = [];
  for (const glob of globs) {
    if (glob.includes('*')) wild.push(compileGlob(glob, options));
    else exact.add(options.ignoreCase ? glob.toLowerCase() : glob);
  }
  const fold = options.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  return (value) => exact.has(fold(value)) || wild.some((match) => match(value));
}

/**
 * Whether `value` is the literal `parts` joined by runs of any characters ('*'): the first part a
 * prefix, the last a suffix, the middle ones in order, greedily leftmost — linear in the value.
 */
export function matchParts(parts: readonly string[], value: string): boolean {
  if (parts.length === 1) return parts[0] === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = value.indexOf(parts[i]!, at);
    if (found === -1 || found + parts[i]!.length > end) return false;
    at = found + parts[i]!.length;
  }
  return true;
}
