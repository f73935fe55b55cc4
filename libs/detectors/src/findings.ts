/** Mutable tally shared by one masking call; exposed read-only in MaskResult. */
export type Findings = Record<string, number>;

export function countFinding(findings: Findings, kind: string): void {
  findings[kind] = (findings[kind] ?? 0) + 1;
}
