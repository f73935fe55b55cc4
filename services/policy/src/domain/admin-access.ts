/**
 * Who may change, read and explain the policy: principals in at least one configured admin group.
 * No admin groups configured means nobody may (closed by default).
 */
export function isPolicyAdmin(groups: readonly string[], adminGroups: readonly string[]): boolean {
  return groups.some((group) => adminGroups.includes(group));
}
