import type { Kysely } from 'kysely';
import type { CompileResult, PolicySource, Problem } from '@portcullis/policy-language';
import type { Logger } from '@portcullis/service-kit';
import {
  CONFIG_DOCUMENT,
  MAX_DOCUMENT_BYTES,
  documentNameProblem,
  fail,
  ok,
  planChanges,
  setDigest,
  sourcesOf,
  type DocumentFormat,
  type Edit,
  type LoadedPolicy,
  type PolicyDocument,
  type Result,
  type Revision,
} from './domain/index.js';
import { advanceHead, findDocument, listDocuments, listStoredDocuments, lockHead, markSeeded, readHead, writeDocument, type Head } from './db/documents.repository.js';
import { appendToOutbox } from './db/outbox.repository.js';
import type { PolicyDB } from './db/policy.table.js';
import { insertRevision, listRevisions, supersededDigests } from './db/revisions.repository.js';
import { revisionEvent } from './events.mappers.js';

/** Compiles a whole set: the policy language with this deployment's connections, profiles and SQL analyser. */
export type Compile = (sources: readonly PolicySource[]) => CompileResult;

export interface PolicyStoreOptions {
  readonly db: Kysely<PolicyDB>;
  readonly compile: Compile;
  /** `policy:<instanceId>`: the source of the events this instance writes. */
  readonly source: string;
  readonly logger: Logger;
  /** After a revision committed: its compiled policy, to put in force here at once. */
  readonly onCommitted: (loaded: LoadedPolicy) => void;
}

/** The outcome of a put or delete: the revision written, or none when nothing changed. */
export interface Changed {
  readonly revision?: Revision;
  /** The version in force after the call. */
  readonly version: number;
}

/** A policy file read at start, to be stored if it changed since it was last seeded. */
export interface SeedFile {
  readonly name: string;
  readonly format: DocumentFormat;
  /** Where it was read: for `changed_by` ("config:<path>") and for problems in logs. */
  readonly path: string;
  readonly text: string;
  readonly digest: string;
}

export type LoadResult = { readonly ok: true; readonly loaded: LoadedPolicy } | { readonly ok: false; readonly version: number; readonly problems: readonly Problem[] };

/** Who made an edit, and (for a file) the digest it was seeded from. */
interface Attribution {
  readonly updatedBy: string;
  readonly seededDigest?: string;
}

const MAX_REVISIONS = 500;

/**
 * Use cases of the policy store. Every change locks the head row, compiles the whole set it would
 * make, and writes the documents, the revision, the new head and its PolicyChanged event (the
 * outbox) in one transaction, or nothing at all: concurrent changes on any number of instances get
 * consecutive versions, and a set that does not compile is never stored.
 */
export class PolicyStore {
  constructor(private readonly options: PolicyStoreOptions) {}

  /** Creates or replaces an API document. */
  put(name: string, text: string, changedBy: string, expectedVersion?: number): Promise<Result<Changed>> {
    const problem = apiNameProblem(name);
    if (problem) return Promise.resolve(fail(problem.code, problem.message));
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_DOCUMENT_BYTES) return Promise.resolve(fail('DOCUMENT_TOO_LARGE', `${name} is ${bytes} bytes; a document may have at most ${MAX_DOCUMENT_BYTES}`));
    return this.change(changedBy, [{ kind: 'put', name, format: 'document', text }], new Map([[name, { updatedBy: changedBy }]]), expectedVersion);
  }

  /** What a put of this text would do to the set, storing nothing: every problem, or its rule count. */
  async check(name: string, text: string): Promise<Result<{ readonly problems: readonly Problem[]; readonly rules: number }>> {
    const problem = apiNameProblem(name);
    if (problem) return fail(problem.code, problem.message);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_DOCUMENT_BYTES) return fail('DOCUMENT_TOO_LARGE', `${name} is ${bytes} bytes; a document may have at most ${MAX_DOCUMENT_BYTES}`);
    const current = await listDocuments(this.options.db);
    const plan = planChanges(current, [{ kind: 'put', name, format: 'document', text }]);
    const compiled = this.options.compile(sourcesOf(plan.next));
    return ok(compiled.ok ? { problems: [], rules: compiled.policy.ruleCount } : { problems: compiled.problems, rules: 0 });
  }

  async delete(name: string, changedBy: string, expectedVersion?: number): Promise<Result<Changed>> {
    const problem = apiNameProblem(name);
    if (problem) return fail(problem.code, problem.message);
    return this.change(changedBy, [{ kind: 'delete', name }], new Map([[name, { updatedBy: changedBy }]]), expectedVersion, name);
  }

  /**
   * Stores every file whose text changed since it was last seeded, in one revision. A document
   * changed through the API keeps that change while its file stays as it was. Problems mean
   * nothing was written: the stored version stays in force.
   */
  async seed(files: readonly SeedFile[]): Promise<Result<Changed>> {
    const stored = new Map((await listStoredDocuments(this.options.db)).map((doc) => [doc.name, doc]));
    const differing = files.filter((file) => stored.get(file.name)?.seededDigest !== file.digest);
    // A text that was in force once and was replaced since is an older file, not a newer one: an
    // instance restarting with a stale copy (a rolling deploy, a ConfigMap still propagating) must
    // not roll every instance back, dropping the deny rules added since. To return to an earlier
    // text on purpose, change it (a comment will do) or apply it with `portcullis policy apply`.
    const changed: SeedFile[] = [];
    for (const file of differing) {
      if ((await supersededDigests(this.options.db, file.name)).has(file.digest)) {
        this.options.logger.warn({ document: file.name, path: file.path, digest: file.digest.slice(0, 12) }, 'policy file NOT seeded: its text is an earlier version of this document, replaced since (a stale copy?); change the file or use `portcullis policy apply` to bring it back');
      } else {
        changed.push(file);
      }
    }
    if (changed.length === 0) return ok({ version: (await readHead(this.options.db)).version });
    const edits = changed.map((file): Edit => ({ kind: 'put', name: file.name, format: file.format, text: file.text }));
    const attribution = new Map(changed.map((file) => [file.name, { updatedBy: `config:${file.path}`, seededDigest: file.digest }]));
    // One file: its path. Several: the config file, which names them all.
    const by = changed.length === 1 ? changed[0]!.path : (files.find((file) => file.name === CONFIG_DOCUMENT) ?? changed[0]!).path;
    return this.change(`config:${by}`, edits, attribution);
  }

  /** The stored head and documents, read in one snapshot, compiled. */
  async load(): Promise<LoadResult> {
    const { head, documents } = await this.options.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => ({ head: await readHead(trx), documents: await listDocuments(trx) }));
    const digest = setDigest(documents);
    if (digest !== head.digest) throw new Error(`policy store inconsistent: version ${head.version} has digest ${head.digest}, its documents ${digest}`);
    const compiled = this.options.compile(sourcesOf(documents));
    if (!compiled.ok) return { ok: false, version: head.version, problems: compiled.problems };
    return { ok: true, loaded: { version: head.version, digest, compiled: compiled.policy } };
  }

  async head(): Promise<Head> {
    return readHead(this.options.db);
  }

  async list(): Promise<{ head: Head; documents: PolicyDocument[] }> {
    return this.options.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => ({ head: await readHead(trx), documents: await listDocuments(trx) }));
  }

  async get(name: string): Promise<Result<PolicyDocument>> {
    const found = await findDocument(this.options.db, name);
    return found ? ok(found) : fail('DOCUMENT_NOT_FOUND', `no policy document ${JSON.stringify(name)}`);
  }

  async revisions(limit: number, beforeVersion?: number): Promise<Revision[]> {
    return listRevisions(this.options.db, Math.min(Math.max(limit, 1), MAX_REVISIONS), beforeVersion);
  }

  private async change(changedBy: string, edits: readonly Edit[], attribution: ReadonlyMap<string, Attribution>, expectedVersion?: number, mustExist?: string): Promise<Result<Changed>> {
    const { db, compile, source } = this.options;
    const outcome = await db.transaction().execute(async (trx): Promise<Result<{ revision?: Revision; loaded?: LoadedPolicy; version: number }>> => {
      const head = await lockHead(trx);
      if (expectedVersion !== undefined && expectedVersion !== head.version) {
        return fail('VERSION_CONFLICT', `the policy is at version ${head.version}, not ${expectedVersion}: reread it and apply again`);
      }
      const stored = await listStoredDocuments(trx);
      const current = stored.flatMap((doc) => (doc.current ? [doc.current] : []));
      if (mustExist && !current.some((doc) => doc.name === mustExist)) return fail('DOCUMENT_NOT_FOUND', `no policy document ${JSON.stringify(mustExist)}`);
      const plan = planChanges(current, edits);
      const seeded = [...attribution].flatMap(([name, a]) => (a.seededDigest ? [[name, a.seededDigest] as const] : []));
      if (plan.changes.length === 0) {
        // The texts are already in force (e.g. an admin applied the file's text): only remember the seeding.
        for (const [name, digest] of seeded) await markSeeded(trx, name, digest);
        return ok({ version: head.version });
      }
      const compiled = compile(sourcesOf(plan.next));
      if (!compiled.ok) return fail('POLICY_INVALID', invalidMessage(compiled.problems), compiled.problems);

      const version = head.version + 1;
      const digest = setDigest(plan.next);
      const next = new Map(plan.next.map((doc) => [doc.name, doc]));
      for (const change of plan.changes) {
        const doc = next.get(change.name);
        const format = doc?.format ?? stored.find((s) => s.name === change.name)!.format;
        const { updatedBy, seededDigest } = attribution.get(change.name)!;
        await writeDocument(trx, { name: change.name, format, ...(doc ? { text: doc.text, digest: doc.digest } : {}), updatedBy, version, ...(seededDigest ? { seededDigest } : {}) });
      }
      for (const [name, seededDigest] of seeded) if (!plan.changes.some((c) => c.name === name)) await markSeeded(trx, name, seededDigest);
      const revision = await insertRevision(trx, { version, previousVersion: head.version, changedBy, changes: plan.changes, digest });
      await advanceHead(trx, version, digest);
      await appendToOutbox(trx, revisionEvent(revision, compiled.policy.ruleCount, source));
      return ok({ revision, loaded: { version, digest, compiled: compiled.policy }, version });
    });
    if (!outcome.ok) return outcome;
    const { revision, loaded, version } = outcome.value;
    if (revision && loaded) {
      this.options.logger.info(
        { policyVersion: String(version), previousVersion: String(revision.previousVersion), changedBy, changes: revision.changes.map((c) => `${c.action} ${c.name}`), rules: loaded.compiled.ruleCount },
        'policy changed',
      );
      this.options.onCommitted(loaded);
    }
    return ok(revision ? { revision, version } : { version });
  }
}

/** Names the API may change: document names, but never the config file's document. */
function apiNameProblem(name: string): { code: 'INVALID_NAME' | 'CONFIG_DOCUMENT'; message: string } | undefined {
  if (name === CONFIG_DOCUMENT) return { code: 'CONFIG_DOCUMENT', message: `${CONFIG_DOCUMENT} is managed by the config file: change the file and restart (or put the rules in another document)` };
  const problem = documentNameProblem(name);
  return problem ? { code: 'INVALID_NAME', message: problem } : undefined;
}

function invalidMessage(problems: readonly Problem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `the policy would not compile (${count}); nothing was changed`;
}
