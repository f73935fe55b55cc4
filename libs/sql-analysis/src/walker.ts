import type { TableRef } from './analysis.js';
import {
  asNode, isRec, nameParts, node, rangeVarBody, refFromParts, stringNode, tableRef, UnsupportedTree,
  type Rec,
} from './ast.js';
import type { Collector } from './collector.js';
import { checkSetConfig } from './lexing-settings.js';
import { dml, isDml, query, selectStatement } from './queries.js';
import { Scope } from './scope.js';
import type { StatementKind } from './statement-kinds.js';
import { UTILITY_STATEMENTS } from './statements.js';

/**
 * How what the walk finds counts:
 * - 'run': the statement executes this part — its kinds count, its targets are written, an UPDATE
 *   without WHERE is an unbounded write;
 * - 'reference': the part is only planned or stored (plain EXPLAIN, a view's query, a rule's
 *   actions) — no kinds, targets count as read, no unbounded write. Functions and columns count
 *   either way, conservatively.
 */
export type Mode = 'run' | 'reference';

interface WalkContext {
  readonly mode: Mode;
  readonly scope: Scope;
  /** CREATE SCHEMA s CREATE TABLE t …: PostgreSQL creates s.t, so the unqualified targets get s. */
  readonly schema?: string;
}

/**
 * The generic walk over a statement's tree. It visits every field of every node, so anything it
 * has no explicit rule for still has its relations read and its functions reported; nodes whose
 * meaning matters (relations, calls, columns, queries, statements) are handled by name.
 */
export class Walker {
  static forStatement(out: Collector): Walker {
    return new Walker(out, { mode: 'run', scope: Scope.empty() });
  }

  private constructor(
    private readonly out: Collector,
    private readonly ctx: WalkContext,
  ) {}

  get scope(): Scope {
    return this.ctx.scope;
  }

  withScope(scope: Scope): Walker {
    return scope === this.ctx.scope ? this : new Walker(this.out, { ...this.ctx, scope });
  }

  referencing(): Walker {
    return this.ctx.mode === 'reference' ? this : new Walker(this.out, { ...this.ctx, mode: 'reference' });
  }

  inSchema(schema: string): Walker {
    return new Walker(this.out, { ...this.ctx, schema });
  }

  kind(kind: StatementKind): void {
    if (this.ctx.mode === 'run') this.out.kind(kind);
  }

  kinds(kinds: readonly StatementKind[]): void {
    for (const kind of kinds) this.kind(kind);
  }

  read(table: TableRef): void {
    this.out.tableRead(table);
  }

  write(table: TableRef): void {
    const target = table.schema === undefined && this.ctx.schema !== undefined
      ? { schema: this.ctx.schema, name: table.name }
      : table;
    if (this.ctx.mode === 'run') this.out.tableWritten(target);
    else this.out.tableRead(target);
  }

  /** A statement's target relation (wrapped or bare RangeVar): required, or the tree is not one we know. */
  writeRelation(value: unknown, what: string): void {
    const rangeVar = rangeVarBody(value);
    if (rangeVar === undefined) throw new UnsupportedTree(`expected a relation for ${what}`);
    this.write(tableRef(rangeVar));
  }

  /** A column of a known table (COPY's column list). */
  columnOf(table: TableRef, column: string): void {
    this.out.column(table.schema === undefined
      ? { table: table.name, column }
      : { schema: table.schema, table: table.name, column });
  }

  functionNamed(name: unknown, what: string): void {
    const parts = nameParts(name, what);
    this.out.function(refFromParts(parts));
  }

  unboundedWrite(): void {
    if (this.ctx.mode === 'run') this.out.unboundedWrite();
  }

  /** Executes `value` as a statement: what it is decides its kinds (unknown statement types are 'other'). */
  statement(value: unknown): void {
    const stmt = node(value, 'a statement');
    if (stmt.type === 'SelectStmt') return selectStatement(this, stmt.body);
    if (isDml(stmt.type)) return dml(this, stmt.type, stmt.body);
    const handler = UTILITY_STATEMENTS.get(stmt.type);
    if (handler !== undefined) return handler(stmt.body, this);
    this.kind('other');
    this.visitFields(stmt.body);
  }

  visit(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item);
      return;
    }
    if (!isRec(value)) return;
    const wrapped = asNode(value);
    if (wrapped !== undefined) return this.visitNode(wrapped.type, wrapped.body);
    // A struct field typed RangeVar comes bare; a relname is what gives it away.
    if (typeof value['relname'] === 'string') return this.readRangeVar(value);
    this.visitFields(value);
  }

  visitFields(body: Rec): void {
    for (const field in body) this.visit(body[field]);
  }

  visitExcept(body: Rec, skip: readonly string[]): void {
    for (const field in body) if (!skip.includes(field)) this.visit(body[field]);
  }

  /** A bare FuncCall (CALL's procedure). */
  call(body: unknown): void {
    if (!isRec(body)) throw new UnsupportedTree('expected a function call');
    this.funcCall(body);
  }

  private visitNode(type: string, body: Rec): void {
    switch (type) {
      case 'RangeVar':
        return this.readRangeVar(body);
      case 'FuncCall':
        return this.funcCall(body);
      case 'ColumnRef':
        return this.columnRef(body);
      case 'A_Indirection':
        return this.indirection(body);
      case 'JoinExpr':
        // `JOIN … USING (ssn)` compares those columns without a ColumnRef.
        for (const item of Array.isArray(body['usingClause']) ? body['usingClause'] : []) {
          const column = stringNode(item);
          if (column !== undefined) this.out.column({ column });
        }
        return this.visitFields(body);
      case 'SelectStmt':
        return query(this, body);
      case 'PartitionCmd':
        // ATTACH / DETACH PARTITION changes what the partition holds as much as the parent.
        if (body['name'] !== undefined) this.writeRelation(body['name'], 'a partition');
        return this.visitExcept(body, ['name']);
    }
    if (isDml(type)) return dml(this, type, body);
    // A statement inside a statement: CREATE SCHEMA's elements, a rule's actions.
    const handler = UTILITY_STATEMENTS.get(type);
    if (handler !== undefined) return handler(body, this);
    this.visitFields(body);
  }

  private readRangeVar(body: Rec): void {
    const table = tableRef(body);
    if (table.schema === undefined && this.ctx.scope.isCte(table.name)) return;
    this.out.tableRead(table);
    // `FROM users x(a, b)` renames the columns: `b` may be any of them, so every column is read.
    const alias = body['alias'];
    if (isRec(alias) && Array.isArray(alias['colnames']) && alias['colnames'].length > 0) this.columnOf(table, '*');
  }

  private funcCall(body: Rec): void {
    const fn = refFromParts(nameParts(body['funcname'], 'a function call'));
    this.out.function(fn);
    if (fn.name === 'set_config' && (fn.schema === undefined || fn.schema === 'pg_catalog')) checkSetConfig(body['args']);
    this.visitExcept(body, ['funcname']);
  }

  /**
   * `(expr).name` is also how PostgreSQL spells `name(expr)` ("attribute notation", for any
   * one-argument function): `('/etc/passwd'::text).pg_read_file` reads the file. Which one it is
   * needs the catalog, so each selected name is reported as a possible function.
   */
  private indirection(body: Rec): void {
    for (const item of Array.isArray(body['indirection']) ? body['indirection'] : []) {
      const name = stringNode(item);
      if (name !== undefined) this.out.possibleFunction({ name });
    }
    this.visitFields(body);
  }

  private columnRef(body: Rec): void {
    const fields = Array.isArray(body['fields']) ? body['fields'] : [];
    const last = fields[fields.length - 1];
    const column = asNode(last)?.type === 'A_Star' ? '*' : stringNode(last);
    const qualifiers = fields.slice(0, -1).map((field) => stringNode(field));
    if (column === undefined || qualifiers.some((part) => part === undefined)) {
      throw new UnsupportedTree('a column reference of unknown shape');
    }
    const parts = qualifiers as string[];
    // `alias.name` may be attribute notation for `name(alias)` (`u.to_json` is `to_json(u)`):
    // reported as a possible function, since only the catalog knows which it is.
    if (parts.length > 0 && column !== '*') this.out.possibleFunction({ name: column });
    if (parts.length === 0) {
      this.out.column({ column });
      // A bare alias is a whole-row reference (`SELECT u FROM users u`, `row_to_json(u)`): every column.
      const { table } = this.ctx.scope.resolveAlias(column);
      if (table !== undefined) this.columnOf(table, '*');
      return;
    }
    if (parts.length === 1) {
      const qualifier = parts[0]!;
      const { table } = this.ctx.scope.resolveAlias(qualifier);
      if (table === undefined) return this.out.column({ table: qualifier, column });
      return this.columnOf(table, column);
    }
    this.out.column({ schema: parts[parts.length - 2]!, table: parts[parts.length - 1]!, column });
  }
}
