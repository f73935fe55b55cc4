import type { MaskingProfile } from '@portcullis/detectors';
import { copyMasker, type CopyColumn, type CopyMasker } from './copy-masking.js';
import { readsRedactedColumn } from './derived-columns.js';
import type { PgConnectionRuntime } from './pg.connection.js';
import type { StatementFacts } from './session-statements.js';

export type PreparedCopies = { readonly ok: true; readonly copies: ReadonlyMap<number, CopyMasker> } | { readonly ok: false; readonly message: string; readonly detail?: string };

/**
 * A masker for every `COPY … TO STDOUT` of a request, made before the request is sent: the COPY's
 * layout from the parser, its columns from the statement's column list or the catalog. A COPY whose
 * output could not be masked (binary with rules or detectors, a query's columns with column rules)
 * is refused before it runs.
 */
export async function prepareCopies(facts: StatementFacts, profile: MaskingProfile, runtime: PgConnectionRuntime): Promise<PreparedCopies> {
  const copies = new Map<number, CopyMasker>();
  if (!facts.analysis.ok) return { ok: true, copies };
  const statements = facts.analysis.statements;
  for (let index = 0; index < statements.length; index++) {
    const statement = statements[index]!;
    if (!statement.kinds.some((kind) => kind.startsWith('copy_to'))) continue;
    const copy = runtime.analyzer.copyStatement(statement.text);
    if (!copy.ok) return { ok: false, message: `the gateway cannot read this COPY, so it cannot mask its output: ${copy.message}` };
    if (copy.direction !== 'to' || !copy.stdio) continue;
    let columns: CopyColumn[] | undefined;
    if (copy.target.kind === 'table') {
      let sources;
      try {
        sources = await runtime.catalog.tableColumns(copy.target.schema, copy.target.table);
      } catch (err) {
        return { ok: false, message: 'the gateway could not read the columns of the COPY from the catalog', detail: (err as Error).message };
      }
      if (sources) {
        const named = copy.target.columns;
        columns = named ? named.map((name) => ({ name, ...(sources.find((s) => s.column === name) ? { source: sources.find((s) => s.column === name)! } : {}) })) : sources.map((source) => ({ name: source.column, source }));
      }
    }
    // COPY (query): its columns are not known before it runs. If it reads no column a rule
    // redacts, no rule can apply to any of them; otherwise the masker refuses it (a SELECT shows
    // them masked instead).
    else if (!readsRedactedColumn(statement.columnsRead, profile)) columns = [];
    const made = copyMasker(columns, copy.format, profile);
    if (!made.ok) return { ok: false, message: made.message };
    copies.set(index, made.masker);
  }
  return { ok: true, copies };
}
