/**
 * Every kind of statement the analyser reports: the one list rules are checked against (a rule
 * naming a kind that is not here is refused at validation, so a typo cannot silently match nothing).
 */
export const STATEMENT_KINDS = [
  // Data
  'select', 'values', 'insert', 'update', 'delete', 'merge', 'truncate',
  'copy_to', 'copy_from', 'copy_to_program', 'copy_from_program', 'copy_to_file', 'copy_from_file',
  // Definitions, by object type
  'create_table', 'create_table_as', 'create_view', 'create_materialized_view', 'create_index', 'create_schema',
  'create_database', 'create_role', 'create_function', 'create_procedure', 'create_trigger', 'create_event_trigger',
  'create_extension', 'create_sequence', 'create_type', 'create_policy', 'create_server', 'create_foreign_table',
  'create_publication', 'create_subscription', 'create_rule', 'create_other',
  'alter_table', 'alter_index', 'alter_view', 'alter_materialized_view', 'alter_sequence', 'alter_schema',
  'alter_database', 'alter_role', 'alter_function', 'alter_procedure', 'alter_type', 'alter_extension',
  'alter_system', 'alter_default_privileges', 'alter_other',
  'drop_table', 'drop_view', 'drop_materialized_view', 'drop_index', 'drop_schema', 'drop_database', 'drop_role',
  'drop_function', 'drop_procedure', 'drop_trigger', 'drop_event_trigger', 'drop_extension', 'drop_sequence',
  'drop_type', 'drop_policy', 'drop_server', 'drop_foreign_table', 'drop_publication', 'drop_subscription',
  'drop_rule', 'drop_owned', 'drop_other',
  'reassign_owned', 'import_foreign_schema', 'comment', 'security_label',
  // Rights and roles
  'grant', 'revoke', 'grant_role', 'revoke_role', 'set_role', 'set_session_authorization',
  // Code
  'call', 'do', 'load',
  // Session
  'set', 'reset', 'show', 'discard', 'listen', 'notify', 'unlisten',
  'prepare', 'execute', 'deallocate', 'declare_cursor', 'fetch', 'move', 'close_cursor',
  // Transactions
  'begin', 'commit', 'rollback', 'savepoint', 'release_savepoint', 'rollback_to_savepoint',
  'prepare_transaction', 'commit_prepared', 'rollback_prepared', 'lock',
  // Maintenance
  'explain', 'vacuum', 'analyze', 'reindex', 'cluster', 'refresh_materialized_view', 'checkpoint',
  'other',
] as const;

export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** PostgreSQL object types (ObjectType) as the suffix of create_/alter_/drop_ kinds. */
const OBJECTS: Readonly<Record<string, string>> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized_view',
  OBJECT_INDEX: 'index',
  OBJECT_SCHEMA: 'schema',
  OBJECT_DATABASE: 'database',
  OBJECT_ROLE: 'role',
  OBJECT_FUNCTION: 'function',
  OBJECT_AGGREGATE: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'function',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_EVENT_TRIGGER: 'event_trigger',
  OBJECT_EXTENSION: 'extension',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_POLICY: 'policy',
  OBJECT_FOREIGN_SERVER: 'server',
  OBJECT_FOREIGN_TABLE: 'foreign_table',
  OBJECT_PUBLICATION: 'publication',
  OBJECT_SUBSCRIPTION: 'subscription',
  OBJECT_RULE: 'rule',
};

const KNOWN = new Set<string>(STATEMENT_KINDS);

/** `create_table` for ("create", "OBJECT_TABLE"); `create_other` when PostgreSQL's type has no kind of its own. */
export function objectKind(verb: 'create' | 'alter' | 'drop', objectType: unknown): StatementKind {
  const kind = `${verb}_${OBJECTS[String(objectType)] ?? 'other'}`;
  return (KNOWN.has(kind) ? kind : `${verb}_other`) as StatementKind;
}
