import type { TableRef } from './analysis.js';
import { asNode, isRec, list, node, rangeVarBody, str, tableRef, UnsupportedTree, type Rec } from './ast.js';
import type { Scope } from './scope.js';
import type { StatementKind } from './statement-kinds.js';
import type { Walker } from './walker.js';

/** Queries and data-changing statements: where CTE scope, aliases and write targets are decided. */

const DML = ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'] as const;
type DmlType = (typeof DML)[number];

export function isDml(type: string): type is DmlType {
  return (DML as readonly string[]).includes(type);
}

const MERGE_ACTION: Readonly<Record<string, StatementKind>> = {
  CMD_UPDATE: 'update',
  CMD_INSERT: 'insert',
  CMD_DELETE: 'delete',
};

/** A SELECT run as a statement (top level, inside EXPLAIN ANALYZE or PREPARE). */
export function selectStatement(w: Walker, select: Rec): void {
  if (select['intoClause'] !== undefined) {
    w.kind('create_table_as');
    w.kind('create_table');
  }
  w.kind('select');
  query(w, select);
}

/**
 * The rows a statement consumes — INSERT's source, COPY's query, CREATE TABLE AS, a cursor's query.
 * A query there is a 'select' the statement performs; a bare VALUES list is just data.
 */
export function rowSource(w: Walker, value: unknown): void {
  const source = asNode(value);
  if (source === undefined) return; // INSERT … DEFAULT VALUES
  if (source.type !== 'SelectStmt') return w.statement(value);
  if (!isPlainValues(source.body)) w.kind('select');
  query(w, source.body);
}

function isPlainValues(select: Rec): boolean {
  return list(select['valuesLists']).length > 0 && select['withClause'] === undefined
    && select['larg'] === undefined && list(select['fromClause']).length === 0;
}

/** Any SELECT: its WITH, its set-operation arms, its FROM aliases, then everything else. */
export function query(w: Walker, select: Rec): void {
  const inner = withCtes(w, select['withClause']);
  const into = select['intoClause'];
  if (into !== undefined) {
    // SELECT … INTO creates the table (PostgreSQL refuses it below the top level, we report it anyway).
    inner.kind('create_table_as');
    inner.kind('create_table');
    inner.writeRelation(isRec(into) ? into['rel'] : undefined, 'SELECT INTO');
  }
  if (list(select['lockingClause']).length > 0) inner.kind('lock');
  for (const arm of ['larg', 'rarg']) {
    const side = select[arm];
    if (side !== undefined) {
      if (!isRec(side)) throw new UnsupportedTree('a set operation arm of unknown shape');
      query(inner, side);
    }
  }
  const scoped = inner.withScope(inner.scope.withAliases(fromAliases(inner.scope, select['fromClause'])));
  scoped.visitExcept(select, ['withClause', 'intoClause', 'larg', 'rarg']);
}

/**
 * INSERT, UPDATE, DELETE, MERGE, wherever they appear (top level, a CTE, EXPLAIN ANALYZE, PREPARE).
 * The target is always a real table: PostgreSQL never resolves a DML target to a CTE.
 */
export function dml(w: Walker, type: DmlType, stmt: Rec): void {
  const relation = rangeVarBody(stmt['relation']);
  if (relation === undefined) throw new UnsupportedTree(`${type} without a target`);
  const target = tableRef(relation);
  w.kinds(dmlKinds(type, stmt));

  const inner = withCtes(w, stmt['withClause']);
  inner.write(target);
  // UPDATE / DELETE / MERGE read the rows they change; INSERT reads the table only when it can see
  // existing rows (RETURNING, ON CONFLICT) — the same cases in which PostgreSQL asks for SELECT.
  if (type !== 'InsertStmt' || stmt['returningClause'] !== undefined || stmt['onConflictClause'] !== undefined) {
    inner.read(target);
  }
  if ((type === 'UpdateStmt' || type === 'DeleteStmt') && stmt['whereClause'] === undefined) {
    inner.unboundedWrite();
  }
  // MERGE's join condition is no WHERE: `ON true … WHEN MATCHED THEN DELETE` empties the table.
  // Whether a condition bounds anything is a property of the data, so a MERGE that updates or
  // deletes counts as an unbounded write.
  if (type === 'MergeStmt' && mergeChanges(stmt['mergeWhenClauses'])) inner.unboundedWrite();

  const aliases = new Map<string, TableRef | undefined>();
  addAlias(aliases, relation, target);
  const from = type === 'UpdateStmt' ? stmt['fromClause']
    : type === 'DeleteStmt' ? stmt['usingClause']
      : type === 'MergeStmt' ? [stmt['sourceRelation']] : [];
  collectAliases(inner.scope, aliases, from);
  const scoped = inner.withScope(inner.scope.withAliases(aliases));

  if (type === 'InsertStmt') rowSource(inner, stmt['selectStmt']);
  scoped.visitExcept(stmt, ['relation', 'withClause', 'selectStmt']);
}

function dmlKinds(type: DmlType, stmt: Rec): readonly StatementKind[] {
  switch (type) {
    case 'InsertStmt': {
      const conflict = stmt['onConflictClause'];
      return isRec(conflict) && conflict['action'] === 'ONCONFLICT_UPDATE' ? ['insert', 'update'] : ['insert'];
    }
    case 'UpdateStmt':
      return ['update'];
    case 'DeleteStmt':
      return ['delete'];
    case 'MergeStmt': {
      const actions = list(stmt['mergeWhenClauses']).map((clause) => {
        const command = node(clause, 'a MERGE WHEN clause').body['commandType'];
        return typeof command === 'string' ? MERGE_ACTION[command] : undefined;
      });
      return ['merge', ...actions.filter((kind): kind is StatementKind => kind !== undefined)];
    }
  }
}

/**
 * A WITH clause: each CTE sees the ones before it, or all of them when RECURSIVE; the statement
 * body sees all. Returns the walker for the body.
 */
function withCtes(w: Walker, withClause: unknown): Walker {
  if (withClause === undefined) return w;
  if (!isRec(withClause)) throw new UnsupportedTree('a WITH clause of unknown shape');
  const ctes = list(withClause['ctes']).map((cte) => node(cte, 'a CTE'));
  const names = ctes.map((cte) => {
    const name = str(cte.body['ctename']);
    if (cte.type !== 'CommonTableExpr' || name === undefined) throw new UnsupportedTree('a CTE without a name');
    return name;
  });
  const recursive = withClause['recursive'] === true;
  ctes.forEach((cte, index) => {
    const visible = recursive ? names : names.slice(0, index);
    w.withScope(w.scope.withCtes(visible)).visitExcept(cte.body, ['ctename', 'aliascolnames']);
  });
  return w.withScope(w.scope.withCtes(names));
}

function fromAliases(scope: Scope, fromClause: unknown): ReadonlyMap<string, TableRef | undefined> {
  const aliases = new Map<string, TableRef | undefined>();
  collectAliases(scope, aliases, fromClause);
  return aliases;
}

function collectAliases(scope: Scope, aliases: Map<string, TableRef | undefined>, items: unknown): void {
  for (const item of list(items)) {
    const from = asNode(item);
    if (from === undefined) continue;
    if (from.type === 'RangeVar') {
      const table = tableRef(from.body);
      const isCte = table.schema === undefined && scope.isCte(table.name);
      addAlias(aliases, from.body, isCte ? undefined : table);
    } else if (from.type === 'JoinExpr') {
      collectAliases(scope, aliases, [from.body['larg'], from.body['rarg']]);
      addAlias(aliases, from.body, undefined);
    } else if (from.type === 'RangeTableSample') {
      collectAliases(scope, aliases, [from.body['relation']]);
    } else {
      // subquery, function, XMLTABLE, JSON_TABLE: an alias with no table behind it
      addAlias(aliases, from.body, undefined);
    }
  }
}

function addAlias(aliases: Map<string, TableRef | undefined>, item: Rec, table: TableRef | undefined): void {
  const alias = item['alias'];
  const name = (isRec(alias) ? str(alias['aliasname']) : undefined) ?? (table === undefined ? undefined : str(item['relname']));
  if (name !== undefined && !aliases.has(name)) aliases.set(name, table);
}

function mergeChanges(clauses: unknown): boolean {
  if (!Array.isArray(clauses)) return false;
  return clauses.some((clause) => {
    const body = isRec(clause) && isRec(clause['MergeWhenClause']) ? clause['MergeWhenClause'] : undefined;
    return body !== undefined && (body['commandType'] === 'CMD_UPDATE' || body['commandType'] === 'CMD_DELETE');
  });
}
