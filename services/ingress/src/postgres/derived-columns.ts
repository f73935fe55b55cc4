import { parseColumnPattern, type ColumnPattern, type MaskingProfile } from '@portcullis/detectors';
import type { ColumnRef } from '@portcullis/sql-analysis';

/**
 * Whether a statement reads, anywhere (an expression, a whole-row reference, `*`), a column the
 * profile redacts by rule. Then every result column PostgreSQL cannot trace to a table column (an
 * expression: `upper(email)`, `email || ''`, `to_jsonb(c)`) is redacted too: a value computed from
 * a redacted column is not shown in clear in a transformed form that detectors may not recognise.
 * The analysis cannot resolve unqualified names or aliases, so it errs towards "reads": an
 * unqualified name matches a rule for any table, and so does `*`.
 */
export function readsRedactedColumn(columns: readonly ColumnRef[], rules: RedactionRules | MaskingProfile): boolean {
  const { fields, patterns } = 'patterns' in rules ? rules : redactionRules(rules);
  if (fields.size === 0 && patterns.length === 0) return false;
  return columns.some((ref) => {
    if (ref.column === '*') return fields.size > 0 || patterns.some((p) => tableMayMatch(p, ref));
    if (fields.has(ref.column.toLowerCase())) return true;
    return patterns.some((p) => (p.column === undefined || p.column === ref.column) && tableMayMatch(p, ref));
  });
}

/** A profile's column and field rules, read once. */
export interface RedactionRules {
  readonly fields: ReadonlySet<string>;
  readonly patterns: readonly ColumnPattern[];
}

export function redactionRules(profile: MaskingProfile): RedactionRules {
  const patterns = profile.columns.map((text) => {
    const parsed = parseColumnPattern(text);
    // A rule that cannot be read is treated as matching everything (the profile is refused elsewhere).
    return parsed.ok ? parsed.pattern : { schema: undefined, table: undefined, column: undefined };
  });
  return { fields: new Set(profile.fields.map((f) => f.toLowerCase())), patterns };
}

function tableMayMatch(pattern: ColumnPattern, ref: ColumnRef): boolean {
  if (ref.table === undefined || pattern.table === undefined) return true;
  if (pattern.table !== ref.table) return false;
  return ref.schema === undefined || pattern.schema === undefined || pattern.schema === ref.schema;
}
