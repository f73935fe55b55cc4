import type { Decision, Explanation, RuleExplanation, StatementSummary } from '@portcullis/policy-language';
import type { policyV1 } from '@portcullis/proto-gen';
import { durationToProto, EFFECTS } from './decision.mappers.js';

/** The language's explanation of a decision -> the wire, with the version that made it. */
export function explanationToProto(explanation: Explanation, policyVersion: string, decidedBy: string): policyV1.ExplainResponse {
  return {
    decision: explainedDecision(explanation.decision),
    rules: explanation.rules.map(ruleToProto),
    statements: (explanation.statements ?? []).map(statementToProto),
    policyVersion,
    decidedBy,
  };
}

function explainedDecision(decision: Decision): policyV1.ExplainedDecision {
  const approval = decision.approval;
  return {
    effect: EFFECTS[decision.effect],
    reasons: [...decision.reasons],
    message: decision.message,
    maskingProfiles: [...decision.maskingProfiles],
    approval: approval
      ? {
          approverGroups: [...approval.approverGroups],
          minApprovals: approval.minApprovals,
          timeout: durationToProto(approval.timeoutMs),
          grant: approval.grantMs !== undefined ? durationToProto(approval.grantMs) : undefined,
        }
      : undefined,
    cacheable: decision.cacheable,
  };
}

function ruleToProto(rule: RuleExplanation): policyV1.RuleExplanation {
  return {
    id: rule.id,
    source: rule.source,
    effect: EFFECTS[rule.effect],
    matched: rule.matched,
    because: rule.because,
    ...(rule.statement !== undefined ? { statement: rule.statement } : {}),
  };
}

function statementToProto(statement: StatementSummary): policyV1.StatementSummary {
  return {
    text: statement.text,
    kinds: [...statement.kinds],
    tablesRead: [...statement.tablesRead],
    tablesWritten: [...statement.tablesWritten],
    functions: [...statement.functions],
    unboundedWrite: statement.unboundedWrite,
    decision: explainedDecision(statement.decision),
  };
}
