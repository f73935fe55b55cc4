import type { ColumnRef, StatementAnalysis, TableRef } from '@portcullis/sql-analysis';
import { check, type Check, type Evaluation } from './conditions.js';
import { compileGlob, compileGlobs, type NameMatcher } from './glob.js';
import type { Direction } from './predicates.js';
import type { MatchConfig, SetConditionConfig } from './schema.js';

type SqlMatch = NonNullable<MatchConfig['sql']>;

/**
 * SQL conditions, each about the one statement being decided (a batch is decided statement by
 * statement). A set condition reads `any:` (something the statement does is listed) or `only:`
 * (everything it does is listed); a plain list reads `only:` in an allow rule and `any:` otherwise —
 * the reading that refuses more, so a statement that also deletes through a CTE is not allowed by
 * a rule that allows selects, and is caught by a rule that holds deletes.
 */
export function compileSqlChecks(sql: SqlMatch, direction: Direction): Check[] {
  const checks: Check[] = [check((e) => e.facts.target.kind === 'sql' && e.statement !== undefined, () => 'not a SQL statement')];
  const statement = (e: Evaluation) => e.statement!;
  if (sql.statements) checks.push(setCheck('statement kinds', sql.statements, direction, (s) => [s.kinds], (globs) => compileGlobs(globs, { ignoreCase: true }), (k) => k));
  if (sql.tables) checks.push(setCheck('tables', sql.tables, direction, (s) => [s.tablesRead, s.tablesWritten], tableMatcher, tableName));
  if (sql.tablesRead) checks.push(setCheck('tables read', sql.tablesRead, direction, (s) => [s.tablesRead], tableMatcher, tableName));
  if (sql.tablesWritten) checks.push(setCheck('tables written', sql.tablesWritten, direction, (s) => [s.tablesWritten], tableMatcher, tableName));
  if (sql.functions) checks.push(setCheck('functions', sql.functions, direction, (s) => [s.functions, s.possibleFunctions], tableMatcher, tableName));
  if (sql.columns) checks.push(columnCheck(sql.columns, direction));
  if (sql.unboundedWrite !== undefined) {
    const wanted = sql.unboundedWrite;
    checks.push(check((e) => statement(e).unboundedWrite === wanted, () => (wanted ? 'every UPDATE and DELETE has a WHERE clause' : 'an UPDATE or DELETE has no WHERE clause')));
  }
  return checks;
}

type Quantifier = 'any' | 'only';

function quantifierOf(condition: SetConditionConfig, direction: Direction): { quantifier: Quantifier; globs: readonly string[] } {
  if (Array.isArray(condition)) return { quantifier: direction === 'all' ? 'only' : 'any', globs: condition };
  return 'any' in condition ? { quantifier: 'any', globs: condition.any } : { quantifier: 'only', globs: condition.only };
}

/** Matches names that may be schema-qualified; the quantifier says how an unqualified one reads. */
type RefMatcher<T> = (ref: T, quantifier: Quantifier) => boolean;

function setCheck<T>(what: string, condition: SetConditionConfig, direction: Direction, lists: (s: StatementAnalysis) => readonly (readonly T[])[], compile: (globs: readonly string[]) => RefMatcher<T> | NameMatcher, show: (v: T) => string): Check {
  const { quantifier, globs } = quantifierOf(condition, direction);
  const matcher = compile(globs) as RefMatcher<T>;
  const anyMatches = (v: T) => matcher(v, 'any');
  const onlyMatches = (v: T) => matcher(v, 'only');
  const holds =
    quantifier === 'any'
      ? (e: Evaluation) => lists(e.statement!).some((list) => list.some(anyMatches))
      : (e: Evaluation) => lists(e.statement!).every((list) => list.every(onlyMatches));
  return check(holds, (e) => {
    const found = lists(e.statement!).flat();
    if (quantifier === 'any') return `${what} (${found.map(show).join(', ') || 'none'}) include none of ${globs.join(', ')}`;
    const outside = found.filter((v) => !onlyMatches(v));
    return `${what} ${outside.map(show).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among ${globs.join(', ')}`;
  });
}

const tableName = (ref: TableRef) => (ref.schema ? `${ref.schema}.${ref.name}` : ref.name);

/**
 * `name` matches in any schema; `schema.name` matches a qualified reference in that schema. An
 * unqualified reference resolves through the session's search_path, which the gateway cannot
 * know (a `SET search_path` earlier in the session changes it): under `any:` it counts as a match
 * when the name matches (it may be that table), under `only:` only a pattern without a schema (or
 * with schema `*`) admits it. Case is ignored: PostgreSQL folds unquoted names already, and a deny
 * must cover a quoted "Users" too.
 */
function tableMatcher(globs: readonly string[]): RefMatcher<TableRef> {
  const patterns = globs.map((glob) => {
    const dot = glob.indexOf('.');
    return dot === -1
      ? { schema: undefined, name: compileGlob(glob, { ignoreCase: true }) }
      : { schema: glob.slice(0, dot) === '*' ? undefined : compileGlob(glob.slice(0, dot), { ignoreCase: true }), name: compileGlob(glob.slice(dot + 1), { ignoreCase: true }), qualified: true };
  });
  return (ref, quantifier) =>
    patterns.some((p) => {
      if (!p.name(ref.name)) return false;
      if (!p.schema) return true;
      if (ref.schema === undefined) return quantifier === 'any';
      return p.schema(ref.schema);
    });
}

/**
 * Columns: `column` or `table.column` globs (see tableAdmits for how the table part is judged).
 * A `*` in the statement reads every column: under `any:` it matches any pattern, under `only:`
 * only the pattern `*`.
 */
function columnCheck(condition: SetConditionConfig, direction: Direction): Check {
  const { quantifier, globs } = quantifierOf(condition, direction);
  const patterns = globs.map((glob) => {
    const dot = glob.lastIndexOf('.');
    return dot === -1 ? { table: undefined, column: glob } : { table: tableMatcher([glob.slice(0, dot)]), column: glob.slice(dot + 1) };
  });
  const compiled = patterns.map((p) => ({ ...p, match: compileGlob(p.column, { ignoreCase: true }) }));
  const show = (c: ColumnRef) => (c.table ? `${c.table}.${c.column}` : c.column);
  /**
   * Whether a pattern's table part admits a column. A column the analyser tied to a table (its
   * qualifier or the table an alias stands for) is judged by that table. An unqualified one may
   * come from any table read: under `any` it is enough that one of them matches, under `only`
   * every one must.
   */
  const tableAdmits = (statement: StatementAnalysis, p: (typeof compiled)[number], c: ColumnRef, q: Quantifier) => {
    if (!p.table) return true;
    if (c.table !== undefined) return p.table({ schema: c.schema, name: c.table }, q);
    const tables = statement.tablesRead;
    return q === 'any' ? tables.some((t) => p.table!(t, q)) : tables.length > 0 && tables.every((t) => p.table!(t, q));
  };
  const hits = (statement: StatementAnalysis, c: ColumnRef, q: Quantifier) =>
    compiled.some((p) => tableAdmits(statement, p, c, q) && (c.column === '*' ? q === 'any' || p.column === '*' : p.match(c.column)));
  const holds =
    quantifier === 'any'
      ? (e: Evaluation) => e.statement!.columnsRead.some((c) => hits(e.statement!, c, 'any'))
      : (e: Evaluation) => e.statement!.columnsRead.every((c) => hits(e.statement!, c, 'only'));
  return check(holds, (e) => {
    const found = e.statement!.columnsRead;
    if (quantifier === 'any') return `columns (${found.map(show).join(', ') || 'none'}) include none of ${globs.join(', ')}`;
    return `columns ${found.filter((c) => !hits(e.statement!, c, 'only')).map(show).join(', ')} are not among ${globs.join(', ')}`;
  });
}
