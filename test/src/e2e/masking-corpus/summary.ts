import type { EvasionCase, PrecisionCase } from './corpus.types.js';
import type { EvasionVerdict, PrecisionVerdict } from './checks.js';

// The report implementers act on: evasion results by class, every failure with what leaked, and
// the precision set's changed documents with the false-positive rate.

export interface EvasionResult {
  readonly case: EvasionCase;
  /** Undefined when the case is pending (a detector not merged yet). */
  readonly verdict?: EvasionVerdict;
  readonly pendingOn?: readonly string[];
}

export interface PrecisionResult {
  readonly case: PrecisionCase;
  readonly verdict: PrecisionVerdict;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.min(90, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A problem without its particulars, to count failures by what went wrong. */
function problemKind(problem: string): string {
  return problem
    .replace(/^(leaked \S+) .*/, '$1')
    .replace(/^refused (\d+ \S+) where masking was expected$/, 'refused $1 where masking was expected')
    .replace(/^refused (\d+ \S+); allowed: .*/, 'refused $1, not an allowed refusal')
    .replace(/^(\S+) \S+ does not match the bytes received$/, '$1 does not match the bytes received')
    .replace(/^Content-Length \d+ but \d+ bytes received$/, 'Content-Length wrong')
    .replace(/^answered (\d+); must be refused.*/, 'answered $1 where a refusal is required')
    .replace(/^answered (\d+) without a gateway error.*/, 'answered $1, not the upstream status');
}

export function evasionSummary(results: readonly EvasionResult[]): string {
  const byClass = new Map<string, { total: number; masked: number; refused: number; failed: number; pending: number }>();
  for (const r of results) {
    const row = byClass.get(r.case.klass) ?? { total: 0, masked: 0, refused: 0, failed: 0, pending: 0 };
    row.total++;
    if (!r.verdict) row.pending++;
    else row[r.verdict.outcome]++;
    byClass.set(r.case.klass, row);
  }
  const ran = results.filter((r) => r.verdict);
  const failed = ran.filter((r) => r.verdict!.outcome === 'failed');
  const pending = results.filter((r) => !r.verdict);
  const classes = [...byClass.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, String(v.total), String(v.masked), String(v.refused), String(v.failed), String(v.pending)]);
  const failures = failed
    .slice()
    .sort((a, b) => a.case.klass.localeCompare(b.case.klass) || a.case.id.localeCompare(b.case.id))
    .map((r) => [r.case.klass, r.case.id, r.case.format, r.verdict!.problems.join('; ')]);
  const kinds = new Map<string, number>();
  for (const r of failed) for (const k of new Set(r.verdict!.problems.map(problemKind))) kinds.set(k, (kinds.get(k) ?? 0) + 1);
  const byProblem = [...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => [String(n), k]);
  const refusals = new Map<string, string[]>();
  for (const r of ran) {
    if (r.verdict!.outcome !== 'refused') continue;
    const how = `${r.case.format.replace(/;.*/, '').split(' ')[0]}: ${r.verdict!.refusal}`;
    refusals.set(how, [...(refusals.get(how) ?? []), r.case.id]);
  }
  const refused = [...refusals.entries()].sort((a, b) => b[1].length - a[1].length).map(([k, ids]) => [String(ids.length), k, ids.slice(0, 4).join(', ') + (ids.length > 4 ? ', …' : '')]);
  return [
    `EVASION: ${results.length} cases, ${ran.length} run, ${ran.length - failed.length} passed (masked or refused as allowed), ${failed.length} failed, ${pending.length} pending (detectors not merged)`,
    '',
    table(['class', 'total', 'masked', 'refused', 'failed', 'pending'], classes),
    '',
    ...(refused.length ? [table(['cases', 'refused as allowed (format: how)', 'e.g.'], refused), ''] : []),
    ...(byProblem.length ? [table(['cases', 'problem'], byProblem), ''] : []),
    failures.length ? table(['class', 'case', 'format', 'what went wrong'], failures) : 'no failures',
  ].join('\n');
}

export function precisionSummary(results: readonly PrecisionResult[]): { text: string; rate: number } {
  const changed = results.filter((r) => r.verdict.changed);
  const rate = results.length ? changed.length / results.length : 0;
  const rows = changed.map((r) => [r.case.klass, r.case.id, r.case.format, r.verdict.detail]);
  const transcoded = results.filter((r) => r.verdict.detail === 'transcoded').length;
  const byClass = new Map<string, [number, number, number]>();
  for (const r of results) {
    const row = byClass.get(r.case.klass) ?? [0, 0, 0];
    row[0]++;
    if (r.verdict.changed) row[r.verdict.detail.startsWith('refused') ? 2 : 1]++;
    byClass.set(r.case.klass, row);
  }
  const classes = [...byClass.entries()].filter(([, v]) => v[1] + v[2] > 0).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, ...v.map(String)]);
  return {
    rate,
    text: [
      `PRECISION: ${results.length} look-alikes, ${changed.length} changed, false-positive rate ${(rate * 100).toFixed(2)} %${transcoded ? ` (${transcoded} came back transcoded, same text)` : ''}`,
      ...(classes.length ? ['', table(['class', 'total', 'altered', 'refused'], classes)] : []),
      ...(rows.length ? ['', table(['class', 'case', 'format', 'change'], rows)] : []),
    ].join('\n'),
  };
}
