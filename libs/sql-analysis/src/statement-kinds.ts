/**
 * Every kind of statement the analyzer reports: the vocabulary policy rules are written in.
 * DDL is named `<verb>_<object>`; an object type PostgreSQL adds later lands in `<verb>_other`,
 * a statement type it adds later in `other`, so an unknown statement never passes as a known one.
 */
export const STATEMENT_KINDS = [
  // queries and data changes
  'select', 'insert', 'update', 'delete', 'merge',
  // CREATE
  'create_table', 'create_table_as', 'create_view', 'create_materialized_view', 'create_index',
  'create_sequence', 'create_schema', 'create_database', 'create_role', 'create_function',
  'create_procedure', 'create_aggregate', 'create_operator', 'create_operator_class',
  'create_operator_family', 'create_trigger', 'create_event_trigger', 'create_rule',
  'create_policy', 'create_extension', 'create_type', 'create_domain', 'create_collation',
  'create_conversion', 'create_cast', 'create_transform', 'create_language',
  'create_access_method', 'create_statistics', 'create_text_search',
  'create_foreign_data_wrapper', 'create_server', 'create_foreign_table', 'create_user_mapping',
  'create_publication', 'create_subscription', 'create_tablespace', 'create_other',
  // ALTER
  'alter_table', 'alter_view', 'alter_materialized_view', 'alter_index', 'alter_sequence',
  'alter_schema', 'alter_database', 'alter_role', 'alter_function', 'alter_procedure',
  'alter_aggregate', 'alter_operator', 'alter_operator_class', 'alter_operator_family',
  'alter_trigger', 'alter_event_trigger', 'alter_rule', 'alter_policy', 'alter_extension',
  'alter_type', 'alter_domain', 'alter_collation', 'alter_conversion', 'alter_language',
  'alter_statistics', 'alter_text_search', 'alter_foreign_data_wrapper', 'alter_server',
  'alter_foreign_table', 'alter_user_mapping', 'alter_publication', 'alter_subscription',
  'alter_tablespace', 'alter_large_object', 'alter_default_privileges', 'alter_system',
  'alter_other',
  // DROP
  'drop_table', 'drop_view', 'drop_materialized_view', 'drop_index', 'drop_sequence',
  'drop_schema', 'drop_database', 'drop_role', 'drop_function', 'drop_procedure',
  'drop_aggregate', 'drop_operator', 'drop_operator_class', 'drop_operator_family',
  'drop_trigger', 'drop_event_trigger', 'drop_rule', 'drop_policy', 'drop_extension',
  'drop_type', 'drop_domain', 'drop_collation', 'drop_conversion', 'drop_cast', 'drop_transform',
  'drop_language', 'drop_access_method', 'drop_statistics', 'drop_text_search',
  'drop_foreign_data_wrapper', 'drop_server', 'drop_foreign_table', 'drop_user_mapping',
  'drop_publication', 'drop_subscription', 'drop_tablespace', 'drop_owned', 'drop_other',
  // privileges and ownership
  'truncate', 'grant', 'revoke', 'grant_role', 'revoke_role', 'reassign_owned',
  // COPY: the specific form first, then the general direction
  'copy_to', 'copy_from', 'copy_to_program', 'copy_from_program', 'copy_to_file', 'copy_from_file',
  // code
  'call', 'do',
  // session
  'set', 'reset', 'set_role', 'set_session_authorization', 'show', 'discard', 'load',
  'listen', 'notify', 'unlisten',
  // transactions
  'begin', 'commit', 'rollback', 'savepoint', 'release_savepoint', 'rollback_to_savepoint',
  'prepare_transaction', 'commit_prepared', 'rollback_prepared',
  // prepared statements and cursors
  'prepare', 'execute', 'deallocate', 'declare_cursor', 'fetch', 'move', 'close_cursor',
  // maintenance and the rest
  'explain', 'vacuum', 'analyze', 'reindex', 'cluster', 'checkpoint', 'lock',
  'refresh_materialized_view', 'comment', 'security_label', 'import_foreign_schema',
  'other',
] as const;

export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** The kinds that start with a prefix: lets a mapping table promise it only yields ALTER kinds, etc. */
export type KindStartingWith<P extends string> = Extract<StatementKind, `${P}${string}`>;
