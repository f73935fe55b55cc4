// What the CLI reads from this machine: policy files, token and TLS files, and the SQL analyser
// `policy test` needs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqlAnalyzer } from '@portcullis/sql-analysis';

export interface Local {
  /** A file's text (UTF-8); throws a Node error (with its `code`) if it cannot be read. */
  readFile(path: string): string;
  /** The names in a directory; throws like readFile. */
  listDir(path: string): string[];
  sqlAnalyzer(): Promise<SqlAnalyzer>;
  /** Where the dev PKI of `npm start` is (`<repository>/.portcullis/tls`): the TLS files' defaults. */
  readonly tlsDir: string;
}

export const nodeLocal: Local = {
  readFile: (path) => readFileSync(path, 'utf8'),
  listDir: (path) => readdirSync(path),
  sqlAnalyzer: () => SqlAnalyzer.create(),
  // This file is tools/cli/dist/local.js.
  tlsDir: resolve(dirname(fileURLToPath(import.meta.url)), '../../../.portcullis/tls'),
};
