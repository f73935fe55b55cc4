import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { policiesSection, type Problem } from '@portcullis/policy-language';
import { CONFIG_DOCUMENT, MAX_DOCUMENT_BYTES, documentDigest, documentNameProblem, isPolicyTestName } from './domain/index.js';
import type { SeedFile } from './policy-store.service.js';

export interface PolicyFiles {
  readonly files: readonly SeedFile[];
  /** Files that cannot be seeded (unreadable, badly named): each as a problem at its line 1. */
  readonly problems: readonly Problem[];
  /** Said once at start, for the operator: e.g. a configured directory that does not exist. */
  readonly notes: readonly string[];
}

const POLICY_FILE = /\.ya?ml$/;

/**
 * The files policy is seeded from: portcullis.yaml itself (format "config", named
 * "portcullis.yaml" whatever its path), and every *.yaml / *.yml in the policy directory but the
 * policy tests (*.test.yaml), each named by its file name. Hidden files and subdirectories are
 * not read. A missing directory means no documents from it.
 */
export function readPolicyFiles(configFile: { path: string; text: string }, directory: { path: string; explicit: boolean }): PolicyFiles {
  // Only the policies section is stored: the rest of the config (dev IdP secrets) is not policy's to show.
  const configText = policiesSection(configFile.text);
  const files: SeedFile[] = [{ name: CONFIG_DOCUMENT, format: 'config', path: configFile.path, text: configText, digest: documentDigest(configText) }];
  const problems: Problem[] = [];
  const notes: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(directory.path).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (directory.explicit) notes.push(`policy directory ${directory.path} does not exist: no documents are seeded from it`);
      return { files, problems, notes };
    }
    problems.push(fileProblem(directory.path, `cannot read the policy directory: ${code ?? String(err)}`));
    return { files, problems, notes };
  }
  for (const entry of entries) {
    if (entry.startsWith('.') || !POLICY_FILE.test(entry) || isPolicyTestName(entry)) continue;
    const path = join(directory.path, entry);
    if (!isFile(path)) continue;
    const nameProblem = entry === CONFIG_DOCUMENT ? `the name ${CONFIG_DOCUMENT} is the config file's: rename this document` : documentNameProblem(entry);
    if (nameProblem) {
      problems.push(fileProblem(path, nameProblem));
      continue;
    }
    try {
      const text = readFileSync(path, 'utf8');
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > MAX_DOCUMENT_BYTES) {
        problems.push(fileProblem(path, `${bytes} bytes; a document may have at most ${MAX_DOCUMENT_BYTES}`));
        continue;
      }
      files.push({ name: entry, format: 'document', path, text, digest: documentDigest(text) });
    } catch (err) {
      problems.push(fileProblem(path, `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`));
    }
  }
  return { files, problems, notes };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fileProblem(source: string, message: string): Problem {
  return { source, line: 1, column: 1, path: '', message };
}
