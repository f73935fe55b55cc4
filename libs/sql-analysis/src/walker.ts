import { objectKind, type StatementKind } from './kinds.js';

/** A table (or view) named in a statement; `schema` only when the statement qualifies it. */
export interface TableRef {
  readonly schema?: string;
  readonly name: string;
}
/** A column as written: `table` is the qualifier as written (a table name or an alias). */
export interface ColumnRef {
  readonly table?: string;
  readonly column: string;
}
export interface FunctionRef {
  readonly schema?: string;
  readonly name: string;
}

/** What one statement does, collected from its parse tree. */
export interface Facts {
  readonly kinds: StatementKind[];
  readonly tablesRead: TableRef[];
  readonly tablesWritten: TableRef[];
  readonly columnsRead: ColumnRef[];
  readonly functions: FunctionRef[];
  unboundedWrite: boolean;
}

type Node = Record<string, unknown>;
type Scope = ReadonlySet<string>;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (isObject(v) && isObject(v.String) && typeof v.String.sval === 'string' ? v.String.sval : undefined);
const strings = (list: unknown): string[] => (Array.isArray(list) ? list.map(str).filter((s): s is string => s !== undefined) : []);

/** Raised for a tree shape the walker does not understand: the analysis fails closed. */
export class UnsupportedTree extends Error {}

/**
 * Walks one statement's parse tree (libpg-query's JSON: `{ NodeType: { ...fields } }`). Statement
 * nodes are classified wherever they appear (a CTE, EXPLAIN ANALYZE, PREPARE, COPY (query), a
 * subquery); every other node is walked generically, so a RangeVar, FuncCall or ColumnRef is found
 * however deep an expression hides it.
 */
export class Walker {
  readonly facts: Facts = { kinds: [], tablesRead: [], tablesWritten: [], columnsRead: [], functions: [], unboundedWrite: false };
  private readonly seen = { read: new Set<string>(), written: new Set<string>(), columns: new Set<string>(), functions: new Set<string>(), kinds: new Set<string>() };

  statement(node: unknown, scope: Scope = new Set()): void {
    if (!isObject(node)) throw new UnsupportedTree('statement is not a node');
    const [type, body] = only(node);
    this.node(type, body, scope);
  }

  private kind(kind: StatementKind): void {
    if (this.seen.kinds.has(kind)) return;
    this.seen.kinds.add(kind);
    this.facts.kinds.push(kind);
  }

  private table(ref: unknown, into: 'read' | 'written', scope: Scope): void {
    if (!isObject(ref)) return;
    const name = typeof ref.relname === 'string' ? ref.relname : undefined;
    if (!name) return;
    const schema = typeof ref.schemaname === 'string' && ref.schemaname !== '' ? ref.schemaname : undefined;
    // An unqualified name defined by an enclosing WITH is the CTE, not a table.
    if (!schema && scope.has(name)) return;
    const key = `${schema ?? ''}\u0000${name}`;
    const set = into === 'read' ? this.seen.read : this.seen.written;
    if (set.has(key)) return;
    set.add(key);
    (into === 'read' ? this.facts.tablesRead : this.facts.tablesWritten).push(schema ? { schema, name } : { name });
  }

  private func(names: string[]): void {
    if (names.length === 0) return;
    const name = names[names.length - 1]!;
    const schema = names.length > 1 ? names[names.length - 2] : undefined;
    const key = `${schema ?? ''}\u0000${name}`;
    if (this.seen.functions.has(key)) return;
    this.seen.functions.add(key);
    this.facts.functions.push(schema ? { schema, name } : { name });
  }

  private column(fields: unknown): void {
    if (!Array.isArray(fields) || fields.length === 0) return;
    const last = fields[fields.length - 1];
    const column = isObject(last) && 'A_Star' in last ? '*' : str(last);
    if (column === undefined) return;
    const table = fields.length > 1 ? str(fields[fields.length - 2]) : undefined;
    const key = `${table ?? ''}\u0000${column}`;
    if (this.seen.columns.has(key)) return;
    this.seen.columns.add(key);
    this.facts.columnsRead.push(table ? { table, column } : { column });
  }

  /** Every child of a node, generically (expressions, lists, clauses). */
  private children(body: unknown, scope: Scope, skip?: readonly string[]): void {
    if (Array.isArray(body)) {
      for (const item of body) this.value(item, scope);
      return;
    }
    if (!isObject(body)) return;
    for (const key in body) if (!skip || !skip.includes(key)) this.value(body[key], scope);
  }

  private value(value: unknown, scope: Scope): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.value(item, scope);
      return;
    }
    // A node is an object with one key, its type (capitalised); anything else is a plain struct.
    let type: string | undefined;
    let keys = 0;
    for (const key in value) {
      if (keys++ > 0) break;
      type = key;
    }
    const code = type?.charCodeAt(0) ?? 0;
    if (keys === 1 && code >= 65 && code <= 90) return this.node(type!, (value as Node)[type!], scope);
    // A field typed as one struct is written without its wrapper (`"relation": { "relname": … }`,
    // CALL's `"funccall": { "funcname": … }`): recognised by shape, so none hides from the walk.
    const struct = value as Node;
    if (typeof struct.relname === 'string') return this.table(struct, 'read', scope);
    if (Array.isArray(struct.funcname)) return this.node('FuncCall', struct, scope);
    this.children(value, scope);
  }

  /** CTEs: each name is visible to the main query and to later CTEs (and, if RECURSIVE, to all). */
  private withClause(clause: unknown, scope: Scope): Scope {
    if (!isObject(clause) || !Array.isArray(clause.ctes)) return scope;
    const names = new Set(scope);
    const ctes = clause.ctes.map((c) => (isObject(c) && isObject(c.CommonTableExpr) ? c.CommonTableExpr : undefined)).filter((c): c is Node => c !== undefined);
    if (clause.recursive === true) for (const cte of ctes) if (typeof cte.ctename === 'string') names.add(cte.ctename);
    for (const cte of ctes) {
      this.statement(cte.ctequery, new Set(names));
      if (typeof cte.ctename === 'string') names.add(cte.ctename);
    }
    return names;
  }

  private node(type: string, body: unknown, outer: Scope): void {
    const b = isObject(body) ? body : {};
    switch (type) {
      case 'RangeVar':
        return this.table(b, 'read', outer);
      case 'FuncCall':
        this.func(strings(b.funcname));
        return this.children(b, outer, ['funcname']);
      case 'ColumnRef':
        return this.column(b.fields);
      case 'SelectStmt': {
        const plainValues = b.valuesLists !== undefined && b.fromClause === undefined && b.targetList === undefined;
        // The statement's own kind first, then what its CTEs do.
        this.kind(plainValues ? 'values' : 'select');
        const scope = this.withClause(b.withClause, outer);
        if (isObject(b.intoClause)) {
          this.kind('create_table_as');
          this.table(b.intoClause.rel, 'written', new Set());
        }
        // UNION / INTERSECT / EXCEPT: the arms are SelectStmt bodies without their node wrapper.
        for (const arm of [b.larg, b.rarg]) if (isObject(arm)) this.node('SelectStmt', arm, scope);
        return this.children(b, scope, ['withClause', 'intoClause', 'larg', 'rarg']);
      }
      case 'InsertStmt': {
        this.kind('insert');
        const scope = this.withClause(b.withClause, outer);
        this.table(b.relation, 'written', new Set());
        if (isObject(b.onConflictClause) && b.onConflictClause.action === 'ONCONFLICT_UPDATE') this.kind('update');
        // INSERT … VALUES is one insert, not an insert and a VALUES query; INSERT … SELECT also reads.
        const source = isObject(b.selectStmt) && isObject(b.selectStmt.SelectStmt) ? b.selectStmt.SelectStmt : undefined;
        if (source && source.valuesLists !== undefined && source.fromClause === undefined && source.targetList === undefined && source.withClause === undefined) this.children(source.valuesLists, scope);
        else this.value(b.selectStmt, scope);
        return this.children(b, scope, ['withClause', 'relation', 'selectStmt']);
      }
      case 'UpdateStmt':
      case 'DeleteStmt': {
        this.kind(type === 'UpdateStmt' ? 'update' : 'delete');
        const scope = this.withClause(b.withClause, outer);
        this.table(b.relation, 'written', new Set());
        if (b.whereClause === undefined) this.facts.unboundedWrite = true;
        return this.children(b, scope, ['withClause', 'relation']);
      }
      case 'MergeStmt': {
        this.kind('merge');
        const scope = this.withClause(b.withClause, outer);
        this.table(b.relation, 'written', new Set());
        for (const clause of Array.isArray(b.mergeWhenClauses) ? b.mergeWhenClauses : []) {
          const command = isObject(clause) && isObject(clause.MergeWhenClause) ? clause.MergeWhenClause.commandType : undefined;
          if (command === 'CMD_UPDATE') this.kind('update');
          else if (command === 'CMD_DELETE') this.kind('delete');
          else if (command === 'CMD_INSERT') this.kind('insert');
        }
        return this.children(b, scope, ['withClause', 'relation']);
      }
      case 'ExplainStmt':
        return this.explain(b, outer);
      case 'PrepareStmt':
        this.kind('prepare');
        return this.statement(b.query, outer);
      case 'ExecuteStmt':
        this.kind('execute');
        return this.children(b.params, outer);
      case 'DeallocateStmt':
        return this.kind('deallocate');
      case 'CopyStmt':
        return this.copy(b, outer);
      case 'DeclareCursorStmt':
        this.kind('declare_cursor');
        return this.statement(b.query, outer);
      case 'CreateStmt':
        this.kind('create_table');
        this.table(b.relation, 'written', new Set());
        return this.children(b, outer, ['relation']);
      case 'CreateTableAsStmt':
        this.kind(b.objtype === 'OBJECT_MATVIEW' ? 'create_materialized_view' : 'create_table_as');
        if (isObject(b.into)) this.table(b.into.rel, 'written', new Set());
        return this.statement(b.query, outer);
      case 'ViewStmt':
        this.kind('create_view');
        this.table(b.view, 'written', new Set());
        return this.statement(b.query, outer);
      case 'IndexStmt':
        this.kind('create_index');
        this.table(b.relation, 'written', new Set());
        return this.children(b, outer, ['relation']);
      case 'CreateFunctionStmt':
        // The body is another language (or SQL run later, as the function's owner): not analysed.
        this.kind(b.is_procedure === true ? 'create_procedure' : 'create_function');
        return;
      case 'AlterTableStmt':
        this.kind(objectKind('alter', b.objtype));
        this.table(b.relation, 'written', new Set());
        return this.children(b, outer, ['relation']);
      case 'DropStmt':
        this.kind(objectKind('drop', b.removeType));
        if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE'].includes(String(b.removeType))) {
          for (const object of Array.isArray(b.objects) ? b.objects : []) {
            const names = isObject(object) && isObject(object.List) ? strings(object.List.items) : [];
            if (names.length > 0) this.table({ relname: names[names.length - 1], schemaname: names.length > 1 ? names[names.length - 2] : undefined }, 'written', new Set());
          }
        }
        return;
      case 'TruncateStmt':
        this.kind('truncate');
        for (const relation of Array.isArray(b.relations) ? b.relations : []) if (isObject(relation)) this.table(relation.RangeVar, 'written', new Set());
        return;
      case 'GrantStmt':
        return this.kind(b.is_grant === true ? 'grant' : 'revoke');
      case 'GrantRoleStmt':
        return this.kind(b.is_grant === true ? 'grant_role' : 'revoke_role');
      case 'CallStmt':
        this.kind('call');
        return this.value(b.funccall, outer);
      case 'DoStmt':
        // PL/pgSQL (or another language): the gateway cannot see what it runs.
        return this.kind('do');
      case 'VariableSetStmt':
        return this.variable(b);
      case 'TransactionStmt':
        return this.kind(TRANSACTION[String(b.kind)] ?? 'other');
      case 'VacuumStmt':
        this.kind(b.is_vacuumcmd === true ? 'vacuum' : 'analyze');
        return this.children(b.rels, outer);
      case 'LockStmt':
        this.kind('lock');
        return this.children(b.relations, outer);
      case 'RefreshMatViewStmt':
        this.kind('refresh_materialized_view');
        return this.table(b.relation, 'written', new Set());
      case 'FetchStmt':
        return this.kind(b.ismove === true ? 'move' : 'fetch');
      case 'RenameStmt':
      case 'AlterOwnerStmt':
      case 'AlterObjectSchemaStmt':
        this.kind(objectKind('alter', b.renameType ?? b.objectType));
        if (b.relation) this.table(b.relation, 'written', new Set());
        return;
      default: {
        const kind = SIMPLE[type];
        if (kind) return this.kind(kind);
        if (type.endsWith('Stmt')) {
          // A statement this table does not name: classified by its verb, never silently ignored.
          this.kind(type.startsWith('Create') || type.startsWith('Define') ? 'create_other' : type.startsWith('Alter') ? 'alter_other' : type.startsWith('Drop') ? 'drop_other' : 'other');
          return;
        }
        return this.children(b, outer);
      }
    }
  }

  /** EXPLAIN ANALYZE runs its statement: it counts as that statement. Plain EXPLAIN only plans it. */
  private explain(b: Node, scope: Scope): void {
    const analyze = (Array.isArray(b.options) ? b.options : []).some((option) => {
      const def = isObject(option) && isObject(option.DefElem) ? option.DefElem : undefined;
      if (!def || def.defname !== 'analyze') return false;
      if (def.arg === undefined) return true;
      const arg = isObject(def.arg) ? def.arg : {};
      const text = str(def.arg) ?? (isObject(arg.Boolean) ? String(arg.Boolean.boolval ?? false) : isObject(arg.Integer) ? String(arg.Integer.ival ?? 0) : 'true');
      return !['false', 'off', '0', 'no'].includes(text.toLowerCase());
    });
    if (analyze) {
      this.statement(b.query, scope);
      return this.kind('explain');
    }
    this.kind('explain');
    // Planned, not run: what it names counts as read (a plan reveals the tables), nothing as written.
    const inner = new Walker();
    inner.statement(b.query, scope);
    for (const t of [...inner.facts.tablesRead, ...inner.facts.tablesWritten]) this.table({ relname: t.name, schemaname: t.schema }, 'read', new Set());
    for (const f of inner.facts.functions) this.func(f.schema ? [f.schema, f.name] : [f.name]);
    for (const c of inner.facts.columnsRead) this.column(c.table ? [{ String: { sval: c.table } }, { String: { sval: c.column } }] : [c.column === '*' ? { A_Star: {} } : { String: { sval: c.column } }]);
  }

  private copy(b: Node, scope: Scope): void {
    const from = b.is_from === true;
    const direction = from ? 'copy_from' : 'copy_to';
    if (b.is_program === true) this.kind(from ? 'copy_from_program' : 'copy_to_program');
    else if (typeof b.filename === 'string') this.kind(from ? 'copy_from_file' : 'copy_to_file');
    this.kind(direction);
    if (b.relation) this.table(b.relation, from ? 'written' : 'read', scope);
    if (b.query) this.statement(b.query, scope);
    this.children(b.whereClause, scope);
  }

  private variable(b: Node): void {
    const name = typeof b.name === 'string' ? b.name.toLowerCase() : '';
    if (name === 'role') return this.kind('set_role');
    if (name === 'session_authorization') return this.kind('set_session_authorization');
    this.kind(b.kind === 'VAR_RESET' || b.kind === 'VAR_RESET_ALL' ? 'reset' : 'set');
  }
}

function only(node: Node): [string, unknown] {
  const keys = Object.keys(node);
  if (keys.length !== 1) throw new UnsupportedTree(`expected one node type, got ${keys.length}`);
  return [keys[0]!, node[keys[0]!]];
}

const TRANSACTION: Readonly<Record<string, StatementKind>> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'release_savepoint',
  TRANS_STMT_ROLLBACK_TO: 'rollback_to_savepoint',
  TRANS_STMT_PREPARE: 'prepare_transaction',
  TRANS_STMT_COMMIT_PREPARED: 'commit_prepared',
  TRANS_STMT_ROLLBACK_PREPARED: 'rollback_prepared',
};

/** Statements whose kind is their node type alone. */
const SIMPLE: Readonly<Record<string, StatementKind>> = {
  VariableShowStmt: 'show',
  DiscardStmt: 'discard',
  ListenStmt: 'listen',
  NotifyStmt: 'notify',
  UnlistenStmt: 'unlisten',
  ClosePortalStmt: 'close_cursor',
  ReindexStmt: 'reindex',
  ClusterStmt: 'cluster',
  CheckPointStmt: 'checkpoint',
  LoadStmt: 'load',
  CommentStmt: 'comment',
  SecLabelStmt: 'security_label',
  CreateSchemaStmt: 'create_schema',
  CreatedbStmt: 'create_database',
  CreateRoleStmt: 'create_role',
  CreateTrigStmt: 'create_trigger',
  CreateEventTrigStmt: 'create_event_trigger',
  CreateExtensionStmt: 'create_extension',
  CreateSeqStmt: 'create_sequence',
  CompositeTypeStmt: 'create_type',
  CreateEnumStmt: 'create_type',
  CreateRangeStmt: 'create_type',
  CreateDomainStmt: 'create_type',
  CreatePolicyStmt: 'create_policy',
  CreateForeignServerStmt: 'create_server',
  CreateForeignTableStmt: 'create_foreign_table',
  CreatePublicationStmt: 'create_publication',
  CreateSubscriptionStmt: 'create_subscription',
  RuleStmt: 'create_rule',
  AlterRoleStmt: 'alter_role',
  AlterRoleSetStmt: 'alter_role',
  AlterSystemStmt: 'alter_system',
  AlterDatabaseStmt: 'alter_database',
  AlterDatabaseSetStmt: 'alter_database',
  AlterDatabaseRefreshCollStmt: 'alter_database',
  AlterFunctionStmt: 'alter_function',
  AlterExtensionStmt: 'alter_extension',
  AlterExtensionContentsStmt: 'alter_extension',
  AlterSeqStmt: 'alter_sequence',
  AlterEnumStmt: 'alter_type',
  AlterDefaultPrivilegesStmt: 'alter_default_privileges',
  DropRoleStmt: 'drop_role',
  DropdbStmt: 'drop_database',
  DropOwnedStmt: 'drop_owned',
  ReassignOwnedStmt: 'reassign_owned',
  ImportForeignSchemaStmt: 'import_foreign_schema',
};
