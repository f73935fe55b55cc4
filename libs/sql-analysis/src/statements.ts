import { bool, isRec, list, nameParts, optionEnabled, rangeVarBody, refFromParts, str, tableRef, UnsupportedTree, type Rec } from './ast.js';
import {
  alterKinds, defineKind, dropKinds, RELATION_OBJECTS, TABLE_SUBOBJECTS, transactionKind,
} from './object-kinds.js';
import { checkVariableSet } from './lexing-settings.js';
import { rowSource } from './queries.js';
import type { StatementKind } from './statement-kinds.js';
import type { Walker } from './walker.js';

/**
 * Every statement other than SELECT / INSERT / UPDATE / DELETE / MERGE: its kinds, the relations it
 * changes, and which of its parts are run, only referenced, or skipped. Whatever a handler does not
 * consume is still walked generically, so relations and calls in it are reported as read.
 */
export type Handler = (body: Rec, w: Walker) => void;

/** Kinds only; every part walked. */
const only = (...kinds: readonly StatementKind[]): Handler => (body, w) => {
  w.kinds(kinds);
  w.visitFields(body);
};

/** Kinds, and the relation in `field` is what the statement changes. */
const changing = (kind: StatementKind, field: string): Handler => (body, w) => {
  w.kind(kind);
  w.writeRelation(body[field], kind);
  w.visitExcept(body, [field]);
};

/** ALTER … by object type, the relation (when the object is one) changed; ALTER TYPE names a type. */
const alterByType = (typeField: string): Handler => (body, w) => {
  w.kinds(alterKinds(body[typeField]));
  if (body['relation'] !== undefined && body[typeField] !== 'OBJECT_TYPE') w.writeRelation(body['relation'], 'ALTER');
  w.visitExcept(body, ['relation']);
};

/** ALTER SYSTEM / ROLE / DATABASE … SET: a setting for later sessions, checked like SET. */
const settingFor = (kind: StatementKind): Handler => (body, w) => {
  checkVariableSet(body['setstmt']);
  only(kind)(body, w);
};

const createTable: Handler = (body, w) => {
  w.kind('create_table');
  createTableParts(body, w);
};

/** A new table; `PARTITION OF parent` also changes the parent, `INHERITS` and `LIKE` read theirs. */
function createTableParts(body: Rec, w: Walker): void {
  w.writeRelation(body['relation'], 'CREATE TABLE');
  const partitionOf = body['partbound'] !== undefined;
  if (partitionOf) for (const parent of list(body['inhRelations'])) w.writeRelation(parent, 'PARTITION OF');
  w.visitExcept(body, partitionOf ? ['relation', 'inhRelations'] : ['relation']);
}

const createTableAs: Handler = (body, w) => {
  if (body['objtype'] === 'OBJECT_MATVIEW') w.kind('create_materialized_view');
  else w.kinds(['create_table_as', 'create_table']);
  const into = body['into'];
  w.writeRelation(isRec(into) ? into['rel'] : undefined, 'CREATE TABLE AS');
  // The query runs now (a matview WITH NO DATA aside: reported as run, conservatively).
  rowSource(w, body['query']);
  w.visitExcept(body, ['into', 'query']);
};

/** EXPLAIN ANALYZE runs its statement; plain EXPLAIN only plans it, so its tables count as read. */
const explain: Handler = (body, w) => {
  if (optionEnabled(body['options'], 'analyze')) {
    w.statement(body['query']);
    w.kind('explain');
  } else {
    w.kind('explain');
    w.referencing().statement(body['query']);
  }
};

const copy: Handler = (body, w) => {
  const from = bool(body['is_from']);
  const target = bool(body['is_program']) ? 'program' : body['filename'] !== undefined ? 'file' : undefined;
  const direction = from ? 'copy_from' : 'copy_to';
  if (target !== undefined) w.kind(`${direction}_${target}`);
  w.kind(direction);
  const relation = rangeVarBody(body['relation']);
  if (relation !== undefined) {
    const table = tableRef(relation);
    if (from) w.write(table);
    else {
      w.read(table);
      const columns = list(body['attlist']).length === 0 ? ['*'] : nameParts(body['attlist'], 'COPY columns');
      for (const column of columns) w.columnOf(table, column);
    }
  }
  if (body['query'] !== undefined) rowSource(w, body['query']);
  w.visitExcept(body, ['relation', 'query', 'attlist']);
};

/** Names in DROP / COMMENT / SECURITY LABEL that are relations, or objects on one, change it. */
function writeNamedRelation(w: Walker, objectType: unknown, object: unknown): void {
  if (typeof objectType !== 'string') return;
  if (RELATION_OBJECTS.has(objectType)) w.write(refFromParts(nameParts(object, objectType)));
  else if (TABLE_SUBOBJECTS.has(objectType)) {
    const parts = nameParts(object, objectType);
    if (parts.length >= 2) w.write(refFromParts(parts.slice(0, -1)));
  }
}

const drop: Handler = (body, w) => {
  w.kinds(dropKinds(body['removeType']));
  for (const object of list(body['objects'])) writeNamedRelation(w, body['removeType'], object);
  w.visitExcept(body, ['objects']);
};

const describe = (kind: StatementKind): Handler => (body, w) => {
  w.kind(kind);
  writeNamedRelation(w, body['objtype'], body['object']);
  w.visitExcept(body, ['object']);
};

/** GRANT / REVOKE on tables and sequences change who may use them: those relations count as written. */
const grant: Handler = (body, w) => {
  w.kind(bool(body['is_grant']) ? 'grant' : 'revoke');
  const onRelations = body['targtype'] === 'ACL_TARGET_OBJECT'
    && (body['objtype'] === 'OBJECT_TABLE' || body['objtype'] === 'OBJECT_SEQUENCE');
  if (onRelations) for (const object of list(body['objects'])) w.writeRelation(object, 'GRANT');
  w.visitExcept(body, onRelations ? ['objects'] : []);
};

/** SET / RESET. GUC names are case-insensitive in PostgreSQL: SET "ROLE" is SET ROLE. */
function variableSetKind(body: Rec): StatementKind {
  if (body['kind'] === 'VAR_RESET_ALL') return 'reset'; // role and session_authorization are exempt from RESET ALL
  const name = str(body['name'])?.toLowerCase();
  if (name === 'role') return 'set_role';
  if (name === 'session_authorization') return 'set_session_authorization';
  return body['kind'] === 'VAR_RESET' ? 'reset' : 'set';
}

const ENTRIES: readonly (readonly [string, Handler])[] = [
  ['CreateStmt', createTable],
  ['CreateForeignTableStmt', (body, w) => {
    w.kind('create_foreign_table');
    const base = body['base'];
    if (!isRec(base)) throw new UnsupportedTree('CREATE FOREIGN TABLE without a table');
    createTableParts(base, w);
    w.visitExcept(body, ['base']);
  }],
  ['CreateTableAsStmt', createTableAs],
  ['ViewStmt', (body, w) => {
    w.kind('create_view');
    w.writeRelation(body['view'], 'CREATE VIEW');
    w.referencing().visit(body['query']);
    w.visitExcept(body, ['view', 'query']);
  }],
  ['IndexStmt', changing('create_index', 'relation')],
  ['CreateSeqStmt', changing('create_sequence', 'sequence')],
  ['AlterSeqStmt', changing('alter_sequence', 'sequence')],
  ['CreateSchemaStmt', (body, w) => {
    w.kind('create_schema');
    const owner = body['authrole'];
    const schema = str(body['schemaname']) ?? (isRec(owner) ? str(owner['rolename']) : undefined);
    const inner = schema === undefined ? w : w.inSchema(schema);
    for (const element of list(body['schemaElts'])) inner.statement(element);
    w.visitExcept(body, ['schemaElts']);
  }],
  ['CreatedbStmt', only('create_database')],
  ['AlterDatabaseStmt', only('alter_database')],
  ['AlterDatabaseSetStmt', settingFor('alter_database')],
  ['AlterDatabaseRefreshCollStmt', only('alter_database')],
  ['DropdbStmt', only('drop_database')],
  ['CreateRoleStmt', only('create_role')],
  ['AlterRoleStmt', only('alter_role')],
  ['AlterRoleSetStmt', settingFor('alter_role')],
  ['DropRoleStmt', only('drop_role')],
  // The body (a string, or BEGIN ATOMIC … END) runs when the function is called, not now.
  ['CreateFunctionStmt', (body, w) => {
    w.kind(bool(body['is_procedure']) ? 'create_procedure' : 'create_function');
    w.visitExcept(body, ['sql_body', 'options']);
  }],
  ['AlterFunctionStmt', alterByType('objtype')],
  ['DefineStmt', (body, w) => {
    w.kind(defineKind(body['kind']));
    w.visitFields(body);
  }],
  ['CreateDomainStmt', only('create_domain')],
  ['AlterDomainStmt', only('alter_domain')],
  ['CompositeTypeStmt', (body, w) => {
    w.kind('create_type');
    w.visitExcept(body, ['typevar']); // the type's name, not a table
  }],
  ['CreateEnumStmt', only('create_type')],
  ['CreateRangeStmt', only('create_type')],
  ['AlterEnumStmt', only('alter_type')],
  ['AlterTypeStmt', only('alter_type')],
  ['CreateOpClassStmt', only('create_operator_class')],
  ['CreateOpFamilyStmt', only('create_operator_family')],
  ['AlterOpFamilyStmt', only('alter_operator_family')],
  ['AlterOperatorStmt', only('alter_operator')],
  ['CreateTrigStmt', (body, w) => {
    w.kind('create_trigger');
    w.writeRelation(body['relation'], 'CREATE TRIGGER');
    w.functionNamed(body['funcname'], 'a trigger function');
    w.visitExcept(body, ['relation', 'funcname']);
  }],
  ['CreateEventTrigStmt', (body, w) => {
    w.kind('create_event_trigger');
    w.functionNamed(body['funcname'], 'an event trigger function');
    w.visitExcept(body, ['funcname']);
  }],
  ['AlterEventTrigStmt', only('alter_event_trigger')],
  ['RuleStmt', (body, w) => {
    w.kind('create_rule');
    w.writeRelation(body['relation'], 'CREATE RULE');
    w.referencing().visit([body['whereClause'], body['actions']]);
    w.visitExcept(body, ['relation', 'whereClause', 'actions']);
  }],
  ['CreatePolicyStmt', changing('create_policy', 'table')],
  ['AlterPolicyStmt', changing('alter_policy', 'table')],
  ['CreateExtensionStmt', only('create_extension')],
  ['AlterExtensionStmt', only('alter_extension')],
  ['AlterExtensionContentsStmt', only('alter_extension')],
  ['CreateFdwStmt', only('create_foreign_data_wrapper')],
  ['AlterFdwStmt', only('alter_foreign_data_wrapper')],
  ['CreateForeignServerStmt', only('create_server')],
  ['AlterForeignServerStmt', only('alter_server')],
  ['CreateUserMappingStmt', only('create_user_mapping')],
  ['AlterUserMappingStmt', only('alter_user_mapping')],
  ['DropUserMappingStmt', only('drop_user_mapping')],
  ['ImportForeignSchemaStmt', only('import_foreign_schema')],
  ['CreatePLangStmt', only('create_language')],
  ['CreateAmStmt', only('create_access_method')],
  ['CreateStatsStmt', only('create_statistics')],
  ['AlterStatsStmt', only('alter_statistics')],
  ['CreateConversionStmt', only('create_conversion')],
  ['CreateCastStmt', only('create_cast')],
  ['CreateTransformStmt', only('create_transform')],
  ['AlterCollationStmt', only('alter_collation')],
  ['AlterTSDictionaryStmt', only('alter_text_search')],
  ['AlterTSConfigurationStmt', only('alter_text_search')],
  ['CreatePublicationStmt', only('create_publication')],
  ['AlterPublicationStmt', only('alter_publication')],
  ['CreateSubscriptionStmt', only('create_subscription')],
  ['AlterSubscriptionStmt', only('alter_subscription')],
  ['DropSubscriptionStmt', only('drop_subscription')],
  ['CreateTableSpaceStmt', only('create_tablespace')],
  ['AlterTableSpaceOptionsStmt', only('alter_tablespace')],
  ['DropTableSpaceStmt', only('drop_tablespace')],
  ['AlterTableMoveAllStmt', alterByType('objtype')],
  ['AlterTableStmt', alterByType('objtype')],
  ['RenameStmt', (body, w) => {
    // A column's kind is its relation's (ALTER VIEW v RENAME COLUMN is alter_view); relationType
    // is only meaningful for columns — elsewhere it holds the enum's zero value. An attribute
    // belongs to a composite type, whose name comes as a relation but is not a table.
    const renamed = body['renameType'];
    const type = renamed === 'OBJECT_COLUMN' ? body['relationType']
      : renamed === 'OBJECT_ATTRIBUTE' ? 'OBJECT_TYPE' : renamed;
    alterByType('type')({ ...body, type }, w);
  }],
  ['AlterObjectSchemaStmt', alterByType('objectType')],
  ['AlterOwnerStmt', alterByType('objectType')],
  ['AlterObjectDependsStmt', alterByType('objectType')],
  ['AlterDefaultPrivilegesStmt', (body, w) => {
    const action = body['action'];
    w.kinds(['alter_default_privileges', isRec(action) && bool(action['is_grant']) ? 'grant' : 'revoke']);
    w.visitFields(body);
  }],
  ['AlterSystemStmt', settingFor('alter_system')],
  ['DropStmt', drop],
  ['DropOwnedStmt', only('drop_owned')],
  ['ReassignOwnedStmt', only('reassign_owned')],
  ['TruncateStmt', (body, w) => {
    w.kind('truncate');
    for (const relation of list(body['relations'])) w.writeRelation(relation, 'TRUNCATE');
    w.visitExcept(body, ['relations']);
  }],
  ['CommentStmt', describe('comment')],
  ['SecLabelStmt', describe('security_label')],
  ['GrantStmt', grant],
  ['GrantRoleStmt', (body, w) => only(bool(body['is_grant']) ? 'grant_role' : 'revoke_role')(body, w)],
  ['CopyStmt', copy],
  ['VariableSetStmt', (body, w) => {
    checkVariableSet(body);
    only(variableSetKind(body))(body, w);
  }],
  ['VariableShowStmt', only('show')],
  ['ConstraintsSetStmt', only('set')],
  // DISCARD ALL includes SET SESSION AUTHORIZATION DEFAULT, which also drops any SET ROLE.
  ['DiscardStmt', (body, w) => only(...(body['target'] === 'DISCARD_ALL'
    ? ['discard', 'set_session_authorization'] as const : ['discard'] as const))(body, w)],
  ['TransactionStmt', (body, w) => only(transactionKind(body['kind']))(body, w)],
  ['DeclareCursorStmt', (body, w) => {
    w.kind('declare_cursor');
    rowSource(w, body['query']);
    w.visitExcept(body, ['query']);
  }],
  ['FetchStmt', (body, w) => only(bool(body['ismove']) ? 'move' : 'fetch')(body, w)],
  ['ClosePortalStmt', only('close_cursor')],
  ['ExplainStmt', explain],
  ['PrepareStmt', (body, w) => {
    w.kind('prepare');
    w.statement(body['query']);
    w.visitExcept(body, ['query']);
  }],
  ['ExecuteStmt', only('execute')],
  ['DeallocateStmt', only('deallocate')],
  // The body is another language's source (plpgsql by default): nothing in it is knowable here.
  ['DoStmt', (_body, w) => w.kind('do')],
  ['CallStmt', (body, w) => {
    w.kind('call');
    w.call(body['funccall']);
  }],
  ['ListenStmt', only('listen')],
  ['NotifyStmt', only('notify')],
  ['UnlistenStmt', only('unlisten')],
  ['LoadStmt', only('load')],
  ['CheckPointStmt', only('checkpoint')],
  ['LockStmt', only('lock')],
  ['VacuumStmt', (body, w) => {
    const analyze = optionEnabled(body['options'], 'analyze');
    w.kinds(!bool(body['is_vacuumcmd']) ? ['analyze'] : analyze ? ['vacuum', 'analyze'] : ['vacuum']);
    w.visitFields(body);
  }],
  ['ClusterStmt', only('cluster')],
  ['ReindexStmt', only('reindex')],
  ['RefreshMatViewStmt', changing('refresh_materialized_view', 'relation')],
];

export const UTILITY_STATEMENTS: ReadonlyMap<string, Handler> = new Map(ENTRIES);
