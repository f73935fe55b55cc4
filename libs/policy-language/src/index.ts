// The policy language: YAML documents validated with precise positions, compiled into an indexed,
// immutable policy that decides requests with reasons and explains itself. Pure: no I/O.
export * from './types.js';
export { compilePolicy, formatProblem } from './compile.js';
export { policiesSection } from './source.js';
export { runPolicyTests, type PolicyTestReport, type PolicyTestResult } from './policy-tests.js';
