/**
 * Who may read the audit log: principals in at least one configured reader group. No reader
 * groups configured means nobody may read it (closed by default).
 */
export function isAuditReader(groups: readonly string[], readerGroups: readonly string[]): boolean {
  return groups.some((group) => readerGroups.includes(group));
}
