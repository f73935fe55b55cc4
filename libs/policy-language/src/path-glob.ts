import { matchParts } from './glob.js';

/**
 * Path globs for HTTP rules: "*" matches within one segment, "**" matches any number of whole
 * segments (including none).
 *
 * - Matching ignores case: many targets route case-insensitively, and a deny on "/admin/**" must
 *   also cover "/Admin/x". (The gateway canonicalises escapes before matching: ingress route.ts.)
 * - One trailing slash is ignored on both sides: "/payments" also covers "/payments/", which most
 *   frameworks route to the same handler.
 * - Matching is linear-time (greedy wildcard matching with one backtrack point, per segment and
 *   across segments), never a backtracking regex: a crafted path cannot stall the policy service.
 */
export type PathMatcher = (path: string) => boolean;
/** The same, on a path already split by `pathSegments` (split once per request, not per rule). */
export type SegmentsMatcher = (segments: readonly string[]) => boolean;

export function compilePathGlob(glob: string): PathMatcher {
  const match = compilePathGlobSegments(glob);
  return (path) => match(pathSegments(path));
}

export function compilePathGlobSegments(glob: string): SegmentsMatcher {
  // Written the way requests arrive: non-ASCII and spaces percent-encoded ("/données" -> "/donn%C3%A9es").
  const canonical = decodeSubDelims(glob.replace(/[^\x21-\x7e]/gu, (char) => encodeURIComponent(char)), false);
  const segments = splitPath(canonical.toLowerCase()).map((segment) => (segment === '**' ? ANY_SEGMENTS : segment.split('*')));
  return (path) => matchSegments(segments, path);
}

/** A request path as path globs see it: lowercased, one trailing slash dropped, split on "/". */
export function pathSegments(path: string): string[] {
  return splitPath(decodeSubDelims(path.toLowerCase(), true));
}

/**
 * Escapes of the characters a path segment may hold literally (`: @ ! $ & ' ( ) * + , =`) are
 * decoded on both sides: upstreams decode them (Go, Spring, gRPC-gateway), so `/v1/x%3Adelete`
 * is `/v1/x:delete` to them and must be to a deny on "/v1/*:delete" too. A glob keeps `%2A` as a
 * literal star's escape, never a wildcard.
 */
function decodeSubDelims(text: string, star: boolean): string {
  return text.replace(/%(21|24|26|27|28|29|2a|2b|2c|3a|3d|40)/gi, (escape, hex: string) => (hex.toLowerCase() === '2a' && !star ? escape : String.fromCharCode(parseInt(hex, 16))));
}

const ANY_SEGMENTS = Symbol('**');
type GlobSegment = typeof ANY_SEGMENTS | readonly string[]; // literal parts between '*'s

function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
}

/** Greedy wildcard matching over segments: "**" is the star, a glob segment the character. */
function matchSegments(glob: readonly GlobSegment[], path: readonly string[]): boolean {
  let g = 0;
  let p = 0;
  let starG = -1;
  let starP = 0;
  while (p < path.length) {
    const current = glob[g];
    if (current === ANY_SEGMENTS) {
      starG = g++;
      starP = p;
    } else if (current !== undefined && matchParts(current, path[p]!)) {
      g++;
      p++;
    } else if (starG !== -1) {
      g = starG + 1;
      p = ++starP;
    } else {
      return false;
    }
  }
  while (glob[g] === ANY_SEGMENTS) g++;
  return g === glob.length;
}
