// What the CLI reads from this machine: policy files, and the SQL analyser `policy test` needs.
import { readdirSync, readFileSync } from 'node:fs';
import { SqlAnalyzer } from '@portcullis/sql-analysis';

export interface Local {
  /** A file's text (UTF-8); throws a Node error (with its `code`) if it cannot be read. */
  readFile(path: string): string;
  /** The names in a directory; throws like readFile. */
  listDir(path: string): string[];
  sqlAnalyzer(): Promise<SqlAnalyzer>;
}

export const nodeLocal: Local = {
  readFile: (path) => readFileSync(path, 'utf8'),
  listDir: (path) => readdirSync(path),
  sqlAnalyzer: () => SqlAnalyzer.create(),
};
