// How a held target is shown to an approver: one line in the holds table ("http DELETE /orders?id=42",
// "mcp tools/call refund", "sql update orders set …") and, when that line cannot carry all of it
// (HTTP decision headers, MCP arguments, a SQL statement and its parameters, a long path or query),
// in full below the table, after policy's message saying why the request is held. The
// caller chose every character of a target, so control and bidirectional-override characters are
// shown escaped: a statement or an argument cannot rewrite what the approver's terminal displays.
import type { approvalsV1 } from '@portcullis/proto-gen';
import { describeTarget, targetFromProto, type SqlParameter, type Target } from '@portcullis/request-model';

/** Longest target line in the table; the full target follows the table. */
export const SUMMARY_LENGTH = 60;
/** Bytes of a binary SQL parameter shown (as hex); the rest is counted, not printed. */
const BINARY_SHOWN = 32;

export function holdTarget(hold: approvalsV1.Hold): Target | undefined {
  return targetFromProto(hold.target);
}

/** The target in one line of at most SUMMARY_LENGTH characters; "-" when the hold has none. */
export function targetSummary(target: Target | undefined): string {
  if (!target) return '-';
  const line = oneLine(`${target.kind} ${describeTarget(target)}`);
  return line.length <= SUMMARY_LENGTH ? line : `${line.slice(0, SUMMARY_LENGTH - 1)}…`;
}

/**
 * Every field of the target as label/value pairs, or none when its summary already says it all
 * (an HTTP request without decision headers, or an MCP call without arguments, that fits the line).
 */
export function targetDetails(target: Target | undefined): [string, string][] {
  if (!target) return [];
  switch (target.kind) {
    case 'http': {
      const whole = target.headers.length === 0 && describeTarget(target) === `${target.method} ${target.path}${target.query ? `?${target.query}` : ''}`;
      if (whole && complete(target)) return [];
      return [
        ['method', oneLine(target.method)],
        ['path', oneLine(target.path)],
        ...(target.query ? [['query', oneLine(target.query)] as [string, string]] : []),
        ...target.headers.map((h): [string, string] => ['header', oneLine(`${h.name}: ${h.value}`)]),
      ];
    }
    case 'mcp':
      if (target.argumentsJson === '' && complete(target)) return [];
      return [['method', oneLine(target.method)], ['name', oneLine(target.name) || '-'], ['arguments', oneLine(target.argumentsJson) || '(none)']];
    case 'sql':
      // The statement keeps its lines (each printed indented under its label); nothing else does.
      return [['statement', visible(target.statement)], ...target.parameters.map((p, i): [string, string] => [`$${i + 1}`, parameterLabel(p)])];
  }
}

/**
 * The details of several holds, a block per hold that has any, values aligned: policy's message
 * (why the request is held), then whatever of the target its table line cannot carry.
 */
export function formatTargetDetails(holds: readonly approvalsV1.Hold[]): string {
  const blocks = holds.flatMap((hold) => {
    const message: [string, string][] = hold.message ? [['message', oneLine(hold.message)]] : [];
    const details = [...message, ...targetDetails(holdTarget(hold))];
    if (details.length === 0) return [];
    const width = Math.max(...details.map(([label]) => label.length));
    const lines = details.flatMap(([label, value]) =>
      value.split('\n').map((line, i) => `  ${(i === 0 ? label : '').padEnd(width)}  ${line}`.trimEnd()),
    );
    return [[`hold ${hold.id}`, ...lines].join('\n')];
  });
  return blocks.join('\n');
}

function complete(target: Target): boolean {
  return targetSummary(target) === `${target.kind} ${describeTarget(target)}`;
}

function parameterLabel(parameter: SqlParameter): string {
  if (parameter === null) return 'NULL';
  if ('text' in parameter) return oneLine(JSON.stringify(parameter.text));
  const bytes = parameter.binary;
  const hex = Buffer.from(bytes.subarray(0, BINARY_SHOWN)).toString('hex');
  return `${bytes.length} bytes: ${hex}${bytes.length > BINARY_SHOWN ? '…' : ''}`;
}

/** C0/C1 controls but newline and tab, DEL, and the bidirectional marks, embeddings and isolates. */
const INVISIBLE = /[\0-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text with every character that could disguise it escaped (`\x1b`, `\u202e`); lines and tabs kept. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, escaped);
}

/** visible(), with newlines and tabs escaped too: for a table cell or a one-line value. */
export function oneLine(text: string): string {
  return visible(text).replace(/[\n\t]/g, escaped);
}

function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
