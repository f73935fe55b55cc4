import { createHash } from 'node:crypto';
import type { PolicySource } from '@portcullis/policy-language';

/** The name under which portcullis.yaml (its `policies:` section) is stored, whatever its path. */
export const CONFIG_DOCUMENT = 'portcullis.yaml';

/** Largest document text accepted (bytes of UTF-8). */
export const MAX_DOCUMENT_BYTES = 1 << 20;

export type DocumentFormat = PolicySource['format'];

/** One document of the policy set, as it is in force. */
export interface PolicyDocument {
  readonly name: string;
  readonly format: DocumentFormat;
  readonly text: string;
  /** sha256 of the text, hex. */
  readonly digest: string;
  readonly updatedBy: string;
  readonly updatedAt: Date;
  /** The revision that changed it last. */
  readonly version: number;
  /** Digest of the file it was last seeded from, if it ever came from one. */
  readonly seededDigest?: string;
}

/** What a revision did to one document. */
export interface DocumentChange {
  readonly name: string;
  readonly action: 'put' | 'delete';
  readonly oldDigest?: string;
  readonly newDigest?: string;
}

/** One stored change of the policy set: the append-only history. */
export interface Revision {
  readonly version: number;
  /** 0 before the first revision. */
  readonly previousVersion: number;
  readonly changedBy: string;
  readonly changes: readonly DocumentChange[];
  /** setDigest() of the documents after the change. */
  readonly digest: string;
  readonly createdAt: Date;
}

/** An edit asked for: put a text, or delete a document. */
export type Edit =
  | { readonly kind: 'put'; readonly name: string; readonly format: DocumentFormat; readonly text: string }
  | { readonly kind: 'delete'; readonly name: string };

/** A document's name is a file name: letters, digits, ".", "_", "-", ending in .yaml or .yml. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const POLICY_FILE = /\.ya?ml$/;
const TEST_FILE = /\.test\.ya?ml$/;

/** Whether a file name is a policy test (`*.test.yaml`), which is never policy. */
export function isPolicyTestName(name: string): boolean {
  return TEST_FILE.test(name);
}

/** Why `name` cannot name a policy document, or undefined when it can. */
export function documentNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `"${shown(name)}" is not a document name: use letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit`;
  if (!POLICY_FILE.test(name)) return `"${name}" is not a document name: it must end in .yaml or .yml`;
  if (isPolicyTestName(name)) return `"${name}" names a policy test file (*.test.yaml), not a policy document`;
  return undefined;
}

export function documentDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The digest of a whole set: sha256 over each document's name and digest, in name order, each
 * length-prefixed so that no name can bleed into the next.
 */
export function setDigest(documents: readonly { readonly name: string; readonly digest: string }[]): string {
  const hash = createHash('sha256');
  for (const { name, digest } of [...documents].sort((a, b) => compareNames(a.name, b.name))) {
    hash.update(`${Buffer.byteLength(name)}:${name},${digest},`);
  }
  return hash.digest('hex');
}

/**
 * The texts the policy language compiles, in the order rules are listed and explained: the config
 * file first (the base every other document adds to, so a duplicate rule id is reported in the
 * document that repeats it), then the documents by name.
 */
export function sourcesOf(documents: readonly { readonly name: string; readonly format: DocumentFormat; readonly text: string }[]): PolicySource[] {
  const rank = (doc: { format: DocumentFormat }) => (doc.format === 'config' ? 0 : 1);
  return [...documents].sort((a, b) => rank(a) - rank(b) || compareNames(a.name, b.name)).map(({ name, format, text }) => ({ name, format, text }));
}

export interface Plan {
  /** What changes, in edit order; edits that change nothing (same text, already absent) are left out. */
  readonly changes: readonly DocumentChange[];
  /** The documents after the edits: name, format and text. */
  readonly next: readonly { readonly name: string; readonly format: DocumentFormat; readonly text: string; readonly digest: string }[];
}

/** Applies edits to the current documents (later edits of a name win). Pure: nothing is written. */
export function planChanges(current: readonly { readonly name: string; readonly format: DocumentFormat; readonly text: string; readonly digest: string }[], edits: readonly Edit[]): Plan {
  const next = new Map(current.map((doc) => [doc.name, doc]));
  const before = new Map(current.map((doc) => [doc.name, doc.digest]));
  for (const edit of edits) {
    if (edit.kind === 'delete') next.delete(edit.name);
    else next.set(edit.name, { name: edit.name, format: edit.format, text: edit.text, digest: documentDigest(edit.text) });
  }
  const names = [...new Set(edits.map((edit) => edit.name))];
  const changes = names.flatMap((name): DocumentChange[] => {
    const oldDigest = before.get(name);
    const newDigest = next.get(name)?.digest;
    if (oldDigest === newDigest) return [];
    if (newDigest === undefined) return [{ name, action: 'delete', ...(oldDigest ? { oldDigest } : {}) }];
    return [{ name, action: 'put', newDigest, ...(oldDigest ? { oldDigest } : {}) }];
  });
  return { changes, next: [...next.values()] };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A name as it may be echoed in an error: control characters escaped, at most 64 characters. */
function shown(name: string): string {
  const visible = name.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return visible.length > 64 ? `${visible.slice(0, 63)}…` : visible;
}
