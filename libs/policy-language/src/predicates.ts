import { compileGlob } from './glob.js';
import type { ValuePredicateConfig } from './schema.js';

/**
 * How a condition reads when several values are in play (the elements an `items[*]` path reaches,
 * a query parameter given twice): "all" — every value must pass — for allow rules, "any" for deny
 * and require_approval rules. Either way the reading is the one that refuses more, so repeating a
 * parameter or adding an array element can never turn a refusal into an allow.
 */
export type Direction = 'any' | 'all';

/** A compiled value test: whether the values found at a path pass. */
export interface ValueTest {
  (values: readonly unknown[]): boolean;
  readonly describe: string;
}

type Scalar = string | number | boolean | null;

export function compileValueTest(config: ValuePredicateConfig, direction: Direction): ValueTest {
  const spec = config !== null && typeof config === 'object' ? config : { equals: config };
  const checks: ((value: unknown) => boolean)[] = [];
  const said: string[] = [];
  if (spec.equals !== undefined) {
    checks.push((v) => scalarEquals(spec.equals!, v));
    said.push(`= ${JSON.stringify(spec.equals)}`);
  }
  if (spec.oneOf) {
    const options = spec.oneOf;
    checks.push((v) => options.some((o) => scalarEquals(o, v)));
    said.push(`one of ${JSON.stringify(options)}`);
  }
  if (spec.glob !== undefined) {
    const match = compileGlob(spec.glob);
    checks.push((v) => typeof v === 'string' && match(v));
    said.push(`matches "${spec.glob}"`);
  }
  const comparisons = { gt: (a: number, b: number) => a > b, gte: (a: number, b: number) => a >= b, lt: (a: number, b: number) => a < b, lte: (a: number, b: number) => a <= b };
  const symbols = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = spec[op];
    if (bound === undefined) continue;
    checks.push((v) => {
      const n = asNumber(v);
      return n !== undefined && comparisons[op](n, bound);
    });
    said.push(`${symbols[op]} ${bound}`);
  }
  if (spec.length) {
    const length = spec.length;
    checks.push((v) => {
      const n = lengthOf(v);
      if (n === undefined) return false;
      return (
        (length.equals === undefined || n === length.equals) &&
        (length.gt === undefined || n > length.gt) &&
        (length.gte === undefined || n >= length.gte) &&
        (length.lt === undefined || n < length.lt) &&
        (length.lte === undefined || n <= length.lte)
      );
    });
    said.push(`length ${JSON.stringify(length)}`);
  }
  const exists = spec.exists;
  if (exists !== undefined) said.push(exists ? 'is present' : 'is absent');
  const passes = (value: unknown) => checks.every((check) => check(value));
  const test = (reached: readonly unknown[]) => {
    const values = reached.filter((v) => v !== MISSING);
    if (exists === false) return values.length === 0;
    // An element without the shape tested fails "every element" (allow) and is no match for "any" (deny).
    if (direction === 'all' && values.length !== reached.length) return false;
    if (values.length === 0) return false;
    if (checks.length === 0) return true;
    return direction === 'all' ? values.every(passes) : values.some(passes);
  };
  return Object.assign(test, { describe: said.join(' and ') });
}

/**
 * Equality of a rule's scalar with a request's value. A number in the rule also equals a numeric
 * string with the same value ("1500" = 1500): tools commonly coerce, and a rule about amounts must
 * not be sidestepped by quoting one.
 */
function scalarEquals(expected: Scalar, value: unknown): boolean {
  if (typeof expected === 'number') return asNumber(value) === expected;
  return value === expected;
}

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number, or a string that is one (see scalarEquals); anything else is not comparable. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return undefined;
}

type Step = { key: string } | { index: number } | { every: true };

/**
 * A compiled path into a JSON value: every value it reaches (none when absent). Where a `[*]`
 * fans out, an element the rest of the path does not reach (a string where an object was
 * expected, an object without the key) is MISSING: an allow rule's "every element" must not
 * quietly skip the elements that do not have the shape it tests.
 */
export type JsonPath = (root: unknown) => unknown[];

export const MISSING: unique symbol = Symbol('missing');

export function compileJsonPath(path: string): JsonPath {
  const steps: Step[] = [];
  for (const part of path.split('.')) {
    const [key, ...indexes] = part.split('[');
    steps.push({ key: key! });
    for (const index of indexes) {
      const inner = index.slice(0, -1);
      steps.push(inner === '*' ? { every: true } : { index: Number(inner) });
    }
  }
  return (root) => {
    let current: unknown[] = [root];
    let fannedOut = false;
    for (const step of steps) {
      const next: unknown[] = [];
      for (const value of current) {
        if (value === MISSING) {
          next.push(MISSING);
        } else if ('key' in step) {
          if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step.key)) next.push((value as Record<string, unknown>)[step.key]);
          else if (fannedOut) next.push(MISSING);
        } else if (Array.isArray(value)) {
          if ('every' in step) next.push(...value);
          else if (step.index < value.length) next.push(value[step.index]);
          else if (fannedOut) next.push(MISSING);
          if ('every' in step) fannedOut = true;
        } else if (fannedOut) {
          next.push(MISSING);
        }
      }
      current = next;
    }
    return current;
  };
}
