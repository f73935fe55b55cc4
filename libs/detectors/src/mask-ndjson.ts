import type { Findings } from './findings.js';
import { invalidJson, KeyCache, scanJson } from './mask-json.js';
import type { CompiledProfile } from './profile.js';

const RECORD_SEPARATOR = '\u001e';
const BLANK = /^[\t\n\r ]*$/;

/**
 * Newline-delimited JSON (application/x-ndjson, application/jsonl, application/x-jsonlines): each
 * line masked as one JSON text (maskJsonWith), line ends and blank lines kept as they are. One
 * line that is not JSON refuses the whole body (MaskingError INVALID_JSON naming the line): a body
 * that is partly something else cannot be said to be masked.
 */
export function maskNdjsonWith(text: string, compiled: CompiledProfile, findings: Findings): string {
  return maskRecords(text, '\n', 'line', compiled, findings);
}

/**
 * JSON text sequences (RFC 7464, application/json-seq): records each start with RS (U+001E) and
 * are masked as JSON; text before the first RS must be blank.
 */
export function maskJsonSeqWith(text: string, compiled: CompiledProfile, findings: Findings): string {
  return maskRecords(text, RECORD_SEPARATOR, 'record', compiled, findings);
}

function maskRecords(text: string, separator: string, unit: 'line' | 'record', compiled: CompiledProfile, findings: Findings): string {
  const found: Findings = {};
  const keys = new KeyCache();
  let out = '';
  let cursor = 0;
  // json-seq: what precedes the first RS is not a record, and may only be whitespace.
  let number = unit === 'line' ? 1 : 0;
  for (let start = 0; ; number++) {
    const next = text.indexOf(separator, start);
    const end = next === -1 ? text.length : next;
    const record = text.slice(start, end);
    if (!BLANK.test(record)) {
      if (number === 0) throw invalidJson({ offset: start, reason: 'syntax' }, 'Text before the first record separator');
      const scan = scanJson(record, compiled, found, 0, keys);
      if (!scan.ok) throw invalidJson(scan, `${unit === 'line' ? 'Line' : 'Record'} ${number}`);
      if (scan.text !== record) {
        out += text.slice(cursor, start) + scan.text;
        cursor = end;
      }
    }
    if (next === -1) break;
    start = next + 1;
  }
  for (const [kind, count] of Object.entries(found)) findings[kind] = (findings[kind] ?? 0) + count;
  return cursor === 0 ? text : out + text.slice(cursor);
}
