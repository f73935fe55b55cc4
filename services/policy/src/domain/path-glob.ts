/**
 * Path globs for HTTP rules: "*" matches within one segment, "**" matches any number of whole
 * segments (including none). Globs are compiled once, when the rule set is loaded.
 * Matching ignores case: many targets route case-insensitively, and a deny on "/admin/**" must
 * also cover "/Admin/x". The gateway canonicalises escapes before matching (ingress route.ts).
 */
export type PathMatcher = (path: string) => boolean;

export function compilePathGlob(glob: string): PathMatcher {
  const pattern = glob
    .split('/')
    .map((segment) => {
      if (segment === '**') return '\u0000';
      return segment
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*');
    })
    .join('/')
    // "/**" at the end or in the middle: zero or more segments.
    .replace(/\/\u0000/g, '(?:/[^/]*)*')
    .replace(/\u0000/g, '.*');
  const regex = new RegExp(`^${pattern}$`, 'i');
  return (path) => regex.test(path);
}
