// Placeholder until the analyser lands (branch sql-analysis): the type the policy language uses.
export interface SqlAnalyzer {
  analyze(sql: string): unknown;
}
