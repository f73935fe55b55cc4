// Pure rendering of the policy API's answers and of local policy test reports. Every string a
// document's author (or a request) chose is shown through visible()/oneLine(): a rule id, a
// message or a path cannot rewrite what the admin's terminal displays.
import { formatProblem, type PolicyTestReport, type PolicyTestResult, type Problem } from '@portcullis/policy-language';
import { commonV1, policyV1 } from '@portcullis/proto-gen';
import { formatTable } from './format.js';
import { oneLine, visible } from './target-format.js';

/** "policies/sql.yaml:12:7: rules.3.effect: must be one of …", one line. */
export function problemLine(problem: Problem): string {
  return oneLine(formatProblem(problem));
}

/** Problems as lines; `source` names become the files the admin gave where known. */
export function formatProblems(problems: readonly Problem[], files: ReadonlyMap<string, string> = new Map()): string {
  return problems.map((p) => problemLine({ ...p, source: files.get(p.source) ?? p.source })).join('\n');
}

export const shortDigest = (digest: string): string => digest.slice(0, 12) || '-';

export function effectLabel(effect: commonV1.Effect): string {
  return commonV1.effectToJSON(effect).replace(/^EFFECT_/, '').toLowerCase();
}

/** What `policy apply` did with one file. */
export function formatApplied(file: string, response: policyV1.PutPolicyResponse): string {
  const revision = response.revision;
  if (!revision) return `${oneLine(file)}: unchanged (policy version ${response.version})`;
  const change = revision.changes[0];
  const was = change?.oldDigest ? `replaced ${shortDigest(change.oldDigest)}` : 'created';
  return `${oneLine(file)}: policy version ${revision.version} (${was}, now ${shortDigest(change?.newDigest ?? '')})`;
}

export function formatDeleted(name: string, response: policyV1.DeletePolicyResponse): string {
  return `${oneLine(name)}: deleted, policy version ${response.version}`;
}

/** Where a document's text comes from: its file, the API, or the API over a file. */
function origin(doc: policyV1.PolicyDocument): string {
  if (!doc.seededDigest) return 'api';
  return doc.seededDigest === doc.digest ? 'file' : 'api (over file)';
}

export function formatPolicyList(response: policyV1.ListPoliciesResponse): string {
  const header = `policy version ${response.version}: ${response.documents.length} document(s), ${response.rules} rule(s), digest ${shortDigest(response.digest)}`;
  if (response.documents.length === 0) return header;
  const rows = response.documents.map((d) => [
    oneLine(d.name),
    String(d.version),
    shortDigest(d.digest),
    origin(d),
    oneLine(d.updatedBy) || '-',
    d.updatedAt?.toISOString() ?? '-',
  ]);
  return `${header}\n\n${formatTable(['NAME', 'VERSION', 'DIGEST', 'FROM', 'UPDATED BY', 'UPDATED AT'], rows)}`;
}

/** A document's text, exactly, but for characters that could disguise it on a terminal. */
export function formatDocumentText(response: policyV1.GetPolicyResponse): string {
  return visible(response.text).replace(/\n$/, '');
}

/** The decision, then what the analyser saw (SQL), then every rule's verdict. */
export function formatExplanation(response: policyV1.ExplainResponse): string {
  const decision = response.decision;
  const lines = [`${decision ? effectLabel(decision.effect) : '?'} — ${oneLine(decision?.message ?? '')}`];
  lines.push(`  reasons ${decision?.reasons.map(oneLine).join(', ') || '-'}; policy version ${response.policyVersion || '?'}, decided by ${oneLine(response.decidedBy) || '?'}`);
  response.statements.forEach((s, i) => lines.push(`  #${i + 1} ${statementLine(s)}`));
  const sql = response.statements.length > 0;
  const headers = [...(sql ? ['STMT'] : []), 'RULE', 'SOURCE', 'EFFECT', 'MATCHED', 'BECAUSE'];
  const rows = response.rules.map((r) => [
    ...(sql ? [r.statement === undefined ? '-' : String(r.statement + 1)] : []),
    oneLine(r.id),
    oneLine(r.source),
    effectLabel(r.effect),
    r.matched ? 'yes' : 'no',
    oneLine(r.because),
  ]);
  lines.push('', rows.length ? formatTable(headers, rows) : 'no rule applies to this connection and protocol');
  return lines.join('\n');
}

function statementLine(s: policyV1.StatementSummary): string {
  const text = oneLine(s.text.replace(/\s+/g, ' ').trim());
  const parts = [text.length > 40 ? `${text.slice(0, 39)}…` : text, `kinds ${s.kinds.join(',') || '-'}`];
  if (s.tablesRead.length) parts.push(`read ${s.tablesRead.map(oneLine).join(',')}`);
  if (s.tablesWritten.length) parts.push(`written ${s.tablesWritten.map(oneLine).join(',')}`);
  if (s.functions.length) parts.push(`functions ${s.functions.map(oneLine).join(',')}`);
  if (s.unboundedWrite) parts.push('unbounded write');
  if (s.decision) parts.push(`→ ${effectLabel(s.decision.effect)}`);
  return parts.join('  ');
}

/** Like `opa test`: every failure with why the policy decided as it did, then the count. */
export function formatTestReport(report: PolicyTestReport): string {
  if (report.problems.length > 0) return `${formatProblems(report.problems)}\n\nFAIL: ${report.problems.length} problem(s); no test ran`;
  const failed = report.results.filter((r) => !r.passed);
  const blocks = failed.map(failureBlock);
  const summary = report.results.length === 0 ? 'FAIL: no tests found' : `${failed.length === 0 ? 'PASS' : 'FAIL'}: ${report.results.length - failed.length}/${report.results.length} passed`;
  return [...blocks, summary].join('\n\n');
}

function failureBlock(result: PolicyTestResult): string {
  const lines = [`FAIL ${oneLine(result.source)}:${result.line}: ${oneLine(result.name)}`, `  expected ${oneLine(result.expected)}`, `  got      ${oneLine(result.actual)}`];
  const explanation = result.explanation;
  if (explanation) {
    lines.push(`  message  ${oneLine(explanation.decision.message)}`);
    for (const rule of explanation.rules) {
      const at = rule.statement === undefined ? '' : ` (statement ${rule.statement + 1})`;
      lines.push(`    ${rule.matched ? 'matched' : 'no     '} ${oneLine(rule.id)}${at}: ${oneLine(rule.because)}`);
    }
  }
  return lines.join('\n');
}

// --json: the protobuf JSON mapping.
export const policyListJson = (r: policyV1.ListPoliciesResponse): string => JSON.stringify(policyV1.ListPoliciesResponse.toJSON(r), null, 2);
export const documentJson = (r: policyV1.GetPolicyResponse): string => JSON.stringify(policyV1.GetPolicyResponse.toJSON(r), null, 2);
export const explanationJson = (r: policyV1.ExplainResponse): string => JSON.stringify(policyV1.ExplainResponse.toJSON(r), null, 2);
