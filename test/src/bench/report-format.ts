/** Formatting shared by the report's sections. */

export const ms = (n: number) => (Number.isNaN(n) ? '–' : Math.abs(n) < 10 ? n.toFixed(3) : n.toFixed(1));
export const signed = (n: number) => (Number.isNaN(n) ? '–' : `${n >= 0 ? '+' : '−'}${ms(Math.abs(n))}`);
/** Audit figures: whole ms (occurred_at has ms precision). */
export const wholeMs = (n: number) => (Number.isNaN(n) ? '–' : `${n < 0 ? '−' : ''}${Math.abs(n).toFixed(0)}`);
/** In-process figures, in microseconds. */
export const us = (n: number) => (Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1));
export const pct = (n: number) => (Number.isNaN(n) ? '–' : `${(100 * n).toFixed(1)} %`);

/** Budget outcome: undefined when a figure it needs is missing or invalid. */
export type Verdict = { pass: boolean; value: string } | undefined;
export const verdict = (v: Verdict) => (v === undefined ? 'n/a' : `${v.pass ? 'PASS' : '**MISS**'} (${v.value})`);
/** A verdict for figure `n`, unknown when it is NaN. */
export const known = (n: number, pass: boolean, value: string): Verdict => (Number.isNaN(n) ? undefined : { pass, value });

/** A markdown table; the first `textColumns` columns align left, figures right. */
export function table(header: string[], rows: string[][], textColumns = 1): string {
  const align = header.map((_, i) => (i < textColumns ? '---' : '---:'));
  return [header, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
