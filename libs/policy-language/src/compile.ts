import type { SqlAnalyzer } from '@portcullis/sql-analysis';
import type { CompileResult, PolicyContext, PolicySource, Problem } from './types.js';

/** Compiles every source of a policy version together: all problems at once, or the policy. */
export function compilePolicy(_sources: readonly PolicySource[], _context: PolicyContext, _sql: SqlAnalyzer): CompileResult {
  throw new Error('compilePolicy: not implemented yet');
}

/** "policies/sql.yaml:12:7: rules.3.effect: must be one of allow, deny, require_approval". */
export function formatProblem(problem: Problem): string {
  return `${problem.source}:${problem.line}:${problem.column}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}
