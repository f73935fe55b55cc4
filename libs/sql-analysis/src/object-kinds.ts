import type { ObjectType, TransactionStmtKind } from 'libpg-query';
import type { KindStartingWith, StatementKind } from './statement-kinds.js';

/**
 * PostgreSQL's object types → our ALTER and DROP kinds. Exhaustive over the parser's ObjectType, so
 * a libpg-query upgrade that adds one fails to compile here until someone decides what it means;
 * a value the tables don't know at run time (a newer parser than our types) becomes `<verb>_other`.
 * Sub-objects map to what they belong to (a column to its table, an attribute to its type).
 * ROUTINE names a function or a procedure and the parser can't tell which: both kinds.
 */
type AlterKind = KindStartingWith<'alter_'>;
type DropKind = KindStartingWith<'drop_'>;

const ALTER: Record<ObjectType, AlterKind | readonly AlterKind[]> = {
  OBJECT_ACCESS_METHOD: 'alter_other',
  OBJECT_AGGREGATE: 'alter_aggregate',
  OBJECT_AMOP: 'alter_operator_family',
  OBJECT_AMPROC: 'alter_operator_family',
  OBJECT_ATTRIBUTE: 'alter_type',
  OBJECT_CAST: 'alter_other',
  OBJECT_COLUMN: 'alter_table',
  OBJECT_COLLATION: 'alter_collation',
  OBJECT_CONVERSION: 'alter_conversion',
  OBJECT_DATABASE: 'alter_database',
  OBJECT_DEFAULT: 'alter_table',
  OBJECT_DEFACL: 'alter_default_privileges',
  OBJECT_DOMAIN: 'alter_domain',
  OBJECT_DOMCONSTRAINT: 'alter_domain',
  OBJECT_EVENT_TRIGGER: 'alter_event_trigger',
  OBJECT_EXTENSION: 'alter_extension',
  OBJECT_FDW: 'alter_foreign_data_wrapper',
  OBJECT_FOREIGN_SERVER: 'alter_server',
  OBJECT_FOREIGN_TABLE: 'alter_foreign_table',
  OBJECT_FUNCTION: 'alter_function',
  OBJECT_INDEX: 'alter_index',
  OBJECT_LANGUAGE: 'alter_language',
  OBJECT_LARGEOBJECT: 'alter_large_object',
  OBJECT_MATVIEW: 'alter_materialized_view',
  OBJECT_OPCLASS: 'alter_operator_class',
  OBJECT_OPERATOR: 'alter_operator',
  OBJECT_OPFAMILY: 'alter_operator_family',
  OBJECT_PARAMETER_ACL: 'alter_other',
  OBJECT_POLICY: 'alter_policy',
  OBJECT_PROCEDURE: 'alter_procedure',
  OBJECT_PUBLICATION: 'alter_publication',
  OBJECT_PUBLICATION_NAMESPACE: 'alter_publication',
  OBJECT_PUBLICATION_REL: 'alter_publication',
  OBJECT_ROLE: 'alter_role',
  OBJECT_ROUTINE: ['alter_function', 'alter_procedure'],
  OBJECT_RULE: 'alter_rule',
  OBJECT_SCHEMA: 'alter_schema',
  OBJECT_SEQUENCE: 'alter_sequence',
  OBJECT_SUBSCRIPTION: 'alter_subscription',
  OBJECT_STATISTIC_EXT: 'alter_statistics',
  OBJECT_TABCONSTRAINT: 'alter_table',
  OBJECT_TABLE: 'alter_table',
  OBJECT_TABLESPACE: 'alter_tablespace',
  OBJECT_TRANSFORM: 'alter_other',
  OBJECT_TRIGGER: 'alter_trigger',
  OBJECT_TSCONFIGURATION: 'alter_text_search',
  OBJECT_TSDICTIONARY: 'alter_text_search',
  OBJECT_TSPARSER: 'alter_text_search',
  OBJECT_TSTEMPLATE: 'alter_text_search',
  OBJECT_TYPE: 'alter_type',
  OBJECT_USER_MAPPING: 'alter_user_mapping',
  OBJECT_VIEW: 'alter_view',
};

const DROP: Record<ObjectType, DropKind | readonly DropKind[]> = {
  OBJECT_ACCESS_METHOD: 'drop_access_method',
  OBJECT_AGGREGATE: 'drop_aggregate',
  OBJECT_AMOP: 'drop_operator_family',
  OBJECT_AMPROC: 'drop_operator_family',
  OBJECT_ATTRIBUTE: 'drop_type',
  OBJECT_CAST: 'drop_cast',
  OBJECT_COLUMN: 'drop_table',
  OBJECT_COLLATION: 'drop_collation',
  OBJECT_CONVERSION: 'drop_conversion',
  OBJECT_DATABASE: 'drop_database',
  OBJECT_DEFAULT: 'drop_table',
  OBJECT_DEFACL: 'drop_other',
  OBJECT_DOMAIN: 'drop_domain',
  OBJECT_DOMCONSTRAINT: 'drop_domain',
  OBJECT_EVENT_TRIGGER: 'drop_event_trigger',
  OBJECT_EXTENSION: 'drop_extension',
  OBJECT_FDW: 'drop_foreign_data_wrapper',
  OBJECT_FOREIGN_SERVER: 'drop_server',
  OBJECT_FOREIGN_TABLE: 'drop_foreign_table',
  OBJECT_FUNCTION: 'drop_function',
  OBJECT_INDEX: 'drop_index',
  OBJECT_LANGUAGE: 'drop_language',
  OBJECT_LARGEOBJECT: 'drop_other',
  OBJECT_MATVIEW: 'drop_materialized_view',
  OBJECT_OPCLASS: 'drop_operator_class',
  OBJECT_OPERATOR: 'drop_operator',
  OBJECT_OPFAMILY: 'drop_operator_family',
  OBJECT_PARAMETER_ACL: 'drop_other',
  OBJECT_POLICY: 'drop_policy',
  OBJECT_PROCEDURE: 'drop_procedure',
  OBJECT_PUBLICATION: 'drop_publication',
  OBJECT_PUBLICATION_NAMESPACE: 'drop_publication',
  OBJECT_PUBLICATION_REL: 'drop_publication',
  OBJECT_ROLE: 'drop_role',
  OBJECT_ROUTINE: ['drop_function', 'drop_procedure'],
  OBJECT_RULE: 'drop_rule',
  OBJECT_SCHEMA: 'drop_schema',
  OBJECT_SEQUENCE: 'drop_sequence',
  OBJECT_SUBSCRIPTION: 'drop_subscription',
  OBJECT_STATISTIC_EXT: 'drop_statistics',
  OBJECT_TABCONSTRAINT: 'drop_table',
  OBJECT_TABLE: 'drop_table',
  OBJECT_TABLESPACE: 'drop_tablespace',
  OBJECT_TRANSFORM: 'drop_transform',
  OBJECT_TRIGGER: 'drop_trigger',
  OBJECT_TSCONFIGURATION: 'drop_text_search',
  OBJECT_TSDICTIONARY: 'drop_text_search',
  OBJECT_TSPARSER: 'drop_text_search',
  OBJECT_TSTEMPLATE: 'drop_text_search',
  OBJECT_TYPE: 'drop_type',
  OBJECT_USER_MAPPING: 'drop_user_mapping',
  OBJECT_VIEW: 'drop_view',
};

/** CREATE AGGREGATE / OPERATOR / TYPE / TEXT SEARCH … / COLLATION all parse as DefineStmt. */
const DEFINE: Partial<Record<ObjectType, KindStartingWith<'create_'>>> = {
  OBJECT_AGGREGATE: 'create_aggregate',
  OBJECT_OPERATOR: 'create_operator',
  OBJECT_TYPE: 'create_type',
  OBJECT_COLLATION: 'create_collation',
  OBJECT_TSCONFIGURATION: 'create_text_search',
  OBJECT_TSDICTIONARY: 'create_text_search',
  OBJECT_TSPARSER: 'create_text_search',
  OBJECT_TSTEMPLATE: 'create_text_search',
};

const TRANSACTION: Record<TransactionStmtKind, StatementKind> = {
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

/** The relations whose names DROP / COMMENT / SECURITY LABEL give as a plain name list. */
export const RELATION_OBJECTS: ReadonlySet<string> = new Set<ObjectType>([
  'OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE',
]);

/** Objects named `table…, object` (`DROP TRIGGER tg ON s.t` is ['s', 't', 'tg']): they change their table. */
export const TABLE_SUBOBJECTS: ReadonlySet<string> = new Set<ObjectType>([
  'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_POLICY',
]);

function lookup<K>(table: Readonly<Record<string, K | readonly K[]>>, key: unknown, other: K): readonly K[] {
  const found = typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
  if (found === undefined) return [other];
  return Array.isArray(found) ? found : [found as K];
}

export function alterKinds(objectType: unknown): readonly AlterKind[] {
  return lookup<AlterKind>(ALTER, objectType, 'alter_other');
}

export function dropKinds(objectType: unknown): readonly DropKind[] {
  return lookup<DropKind>(DROP, objectType, 'drop_other');
}

export function defineKind(objectType: unknown): StatementKind {
  return lookup<StatementKind>(DEFINE, objectType, 'create_other')[0] ?? 'create_other';
}

export function transactionKind(kind: unknown): StatementKind {
  return lookup<StatementKind>(TRANSACTION, kind, 'other')[0] ?? 'other';
}
