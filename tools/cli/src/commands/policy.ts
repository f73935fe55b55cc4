// policy apply | list | show | delete | explain (the policy service, admin token) and policy test
// (local). Service errors propagate as CallError, but for a refused document, whose problems are
// printed here, one per line, at the file the admin gave.
import { basename, join } from 'node:path';
import { connectionFacts, parsePortcullisConfig } from '@portcullis/config';
import { runPolicyTests, type PolicyContext, type PolicySource, type Problem } from '@portcullis/policy-language';
import type { commonV1 } from '@portcullis/proto-gen';
import { mcpTarget, targetToProto, type Target } from '@portcullis/request-model';
import type { ExplainArgs } from '../args.js';
import type { PolicyApi } from '../clients.js';
import { isCallError } from '../errors.js';
import type { Local } from '../local.js';
import { documentJson, explanationJson, formatApplied, formatDeleted, formatDocumentText, formatExplanation, formatPolicyList, formatProblems, formatTestReport, policyListJson } from '../policy-format.js';
import type { Io } from '../run.js';

/** Stores each file as the document named by its file name, in order; stops at the first refusal. */
export async function applyPolicies(api: PolicyApi, files: readonly string[], io: Io, local: Local): Promise<number> {
  const read: { file: string; name: string; text: string }[] = [];
  for (const file of files) {
    try {
      read.push({ file, name: basename(file), text: local.readFile(file) });
    } catch (err) {
      io.err(`error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was applied`);
      return 1;
    }
  }
  const names = new Set<string>();
  for (const { file, name } of read) {
    if (names.has(name)) {
      io.err(`error: ${file}: another file is also named ${name} (documents are named by file name); nothing was applied`);
      return 1;
    }
    names.add(name);
  }
  for (const [i, { file, name, text }] of read.entries()) {
    try {
      io.out(formatApplied(file, await api.put(name, text)));
    } catch (err) {
      if (!isCallError(err) || err.reason !== 'POLICY_INVALID') throw err;
      const problems = await allProblems(api, name, text, err.problems);
      io.err(`${formatProblems(problems, new Map([[name, file]]))}\nerror: ${file} refused: the policy would not compile (${problems.length} problem(s)); nothing was changed`);
      const rest = read.slice(i + 1).map((r) => r.file);
      if (rest.length > 0) io.err(`not applied: ${rest.join(', ')}`);
      return 1;
    }
  }
  return 0;
}

/** The refusal's problems, or every problem from CheckPolicy when the refusal could not carry them all. */
async function allProblems(api: PolicyApi, name: string, text: string, refused: { problems: readonly Problem[]; total: number } | undefined): Promise<readonly Problem[]> {
  if (refused && refused.problems.length >= refused.total) return refused.problems;
  const checked = await api.check(name, text);
  return checked.problems.length > 0 ? checked.problems : (refused?.problems ?? []);
}

export async function listPolicies(api: PolicyApi, options: { json: boolean }, io: Io): Promise<number> {
  const list = await api.list();
  io.out(options.json ? policyListJson(list) : formatPolicyList(list));
  return 0;
}

export async function showPolicy(api: PolicyApi, name: string, options: { json: boolean }, io: Io): Promise<number> {
  const doc = await api.get(name);
  io.out(options.json ? documentJson(doc) : formatDocumentText(doc));
  return 0;
}

export async function deletePolicy(api: PolicyApi, name: string, io: Io): Promise<number> {
  io.out(formatDeleted(name, await api.delete(name)));
  return 0;
}

export async function explainRequest(api: PolicyApi, request: ExplainArgs, options: { json: boolean }, io: Io): Promise<number> {
  const explanation = await api.explain({ context: explainContext(request), time: undefined });
  io.out(options.json ? explanationJson(explanation) : formatExplanation(explanation));
  return 0;
}

export function explainContext(request: ExplainArgs): commonV1.RequestContext {
  return {
    requestId: 'cli-explain',
    connection: request.connection,
    sessionId: '',
    principal: { subject: request.subject, clientId: request.clientId, groups: [...request.groups], issuer: '', expiresAt: undefined, scopes: [...request.scopes], kind: request.kind, claimsJson: '{}', tokenId: '' },
    target: targetToProto(explainTarget(request.target)),
  };
}

function explainTarget(target: ExplainArgs['target']): Target {
  switch (target.kind) {
    case 'http':
      return { kind: 'http', method: target.method, path: target.path, query: target.query, headers: [] };
    case 'mcp':
      return mcpTarget(target.method, target.name, target.arguments);
    case 'sql':
      return { kind: 'sql', statement: target.statement, parameters: [] };
  }
}

const YAML = /\.ya?ml$/;
const TEST = /\.test\.ya?ml$/;

/**
 * Compiles the documents in `dir` (portcullis.yaml there as the config file) and runs its
 * *.test.yaml files, here, without any service. Exit 1 on any failure or problem, like `opa test`.
 */
export async function testPolicies(dir: string, io: Io, local: Local, configPath?: string): Promise<number> {
  let context: PolicyContext = {};
  if (configPath !== undefined) {
    try {
      const config = parsePortcullisConfig(local.readFile(configPath), configPath);
      context = {
        connections: new Map(config.connections.map((c) => [c.name, connectionFacts(c)])),
        maskingProfiles: new Set(config.maskingProfiles.map((p) => p.name)),
      };
    } catch (err) {
      io.err(`error: ${(err as Error).message}`);
      return 1;
    }
  }
  let entries: string[];
  try {
    entries = local.listDir(dir).filter((f) => YAML.test(f) && !f.startsWith('.')).sort();
  } catch (err) {
    io.err(`error: cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 1;
  }
  const read = (f: string, format: PolicySource['format']): PolicySource => ({ name: join(dir, f), format, text: local.readFile(join(dir, f)) });
  let documents: PolicySource[];
  let tests: PolicySource[];
  try {
    documents = entries.filter((f) => !TEST.test(f)).map((f) => read(f, f === 'portcullis.yaml' ? 'config' : 'document'));
    tests = entries.filter((f) => TEST.test(f)).map((f) => read(f, 'document'));
  } catch (err) {
    io.err(`error: cannot read a file in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 1;
  }
  if (tests.length === 0) {
    io.err(`error: no policy tests (*.test.yaml) in ${dir}`);
    return 1;
  }
  const report = runPolicyTests(documents, tests, await local.sqlAnalyzer(), context);
  if (report.ok) io.out(formatTestReport(report));
  else io.err(formatTestReport(report));
  return report.ok ? 0 : 1;
}
