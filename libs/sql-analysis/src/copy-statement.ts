import type { SqlFailureCode } from './analysis.js';
import { asNode, bool, list, nameParts, rangeVarBody, str, stringNode, tableRef, type Rec } from './ast.js';
import type { Parser } from './parser.js';

/** How COPY lays out its data, with PostgreSQL's defaults filled in. */
export interface CopyFormat {
  readonly format: 'text' | 'csv' | 'binary';
  /** One byte; '' in binary format. */
  readonly delimiter: string;
  /** How NULL is written ('' in binary format). */
  readonly null: string;
  /** CSV only (one byte); '' otherwise. */
  readonly quote: string;
  /** CSV only (one byte, default the quote); '' otherwise. */
  readonly escape: string;
  /** A header line comes first (HEADER MATCH, COPY FROM only, counts as true). */
  readonly header: boolean;
}

export type CopyTarget =
  | { readonly kind: 'table'; readonly schema?: string; readonly table: string; readonly columns?: readonly string[] }
  | { readonly kind: 'query' };

/** What a COPY statement moves, where, and in which layout. */
export interface CopyStatement {
  readonly ok: true;
  readonly direction: 'to' | 'from';
  readonly target: CopyTarget;
  /** STDIN / STDOUT (through the client connection), not a server file or program. */
  readonly stdio: boolean;
  readonly format: CopyFormat;
}

/**
 * NOT_A_COPY: the text is not exactly one COPY statement. COPY_OPTIONS: options PostgreSQL would
 * reject, or that this reader cannot vouch for (an encoding other than UTF-8, an option it does not
 * know): COPY data read with the wrong layout would be masked wrong, so such a COPY is refused.
 */
export type CopyFailureCode = SqlFailureCode | 'NOT_A_COPY' | 'COPY_OPTIONS';

export interface CopyStatementFailure {
  readonly ok: false;
  readonly code: CopyFailureCode;
  readonly message: string;
  readonly position?: number;
}

export type CopyStatementResult = CopyStatement | CopyStatementFailure;

/** Reads the one COPY statement of a text that passed the analyzer's pre-checks. */
export function readCopyStatement(parser: Parser, text: string): CopyStatementResult {
  const parsed = parser.parse(text);
  if (!parsed.ok) return parsed;
  const copy = parsed.statements.length === 1 ? asNode(parsed.statements[0]!.stmt) : undefined;
  if (copy === undefined || copy.type !== 'CopyStmt') return failure('NOT_A_COPY', 'the text is not a single COPY statement');
  const direction = bool(copy.body['is_from']) ? 'from' : 'to';
  const format = readOptions(list(copy.body['options']), direction);
  if (typeof format === 'string') return failure('COPY_OPTIONS', format);
  return Object.freeze({
    ok: true,
    direction,
    target: target(copy.body),
    stdio: !bool(copy.body['is_program']) && copy.body['filename'] === undefined,
    format: Object.freeze(format),
  });
}

function target(body: Rec): CopyTarget {
  const relation = rangeVarBody(body['relation']);
  if (relation === undefined) return { kind: 'query' };
  const { schema, name } = tableRef(relation);
  const attributes = list(body['attlist']);
  return {
    kind: 'table',
    ...(schema === undefined ? {} : { schema }),
    table: name,
    ...(attributes.length === 0 ? {} : { columns: nameParts(attributes, 'COPY columns') }),
  };
}

/** Options with no bearing on the layout of COPY TO's output (or for COPY FROM only, where PostgreSQL checks them). */
const INERT_OPTIONS = new Set(['freeze', 'force_quote', 'force_not_null', 'force_null', 'on_error', 'reject_limit', 'log_verbosity', 'default']);

/** PostgreSQL's ProcessCopyOptions, as far as the layout goes; a string is the reason to refuse. */
function readOptions(options: readonly unknown[], direction: 'to' | 'from'): CopyFormat | string {
  const given = new Map<string, unknown>();
  for (const option of options) {
    const def = asNode(option);
    const name = def?.type === 'DefElem' ? str(def.body['defname']) : undefined;
    if (def === undefined || name === undefined) return 'a COPY option has a shape this reader does not know';
    // Option names compare exactly, as in PostgreSQL: unquoted ones arrive lower-cased.
    if (given.has(name)) return `COPY option ${JSON.stringify(name)} is given twice`;
    given.set(name, def.body['arg']);
  }
  for (const name of given.keys()) {
    if (!LAYOUT_OPTIONS.has(name) && !INERT_OPTIONS.has(name)) return `COPY option ${JSON.stringify(name)} is not one this reader knows`;
  }

  const format = given.has('format') ? stringArg(given.get('format')) : 'text';
  if (format !== 'text' && format !== 'csv' && format !== 'binary') return `COPY format ${JSON.stringify(format ?? null)} is not text, csv or binary`;
  const header = given.has('header') ? headerArg(given.get('header'), direction) : false;
  if (typeof header === 'string') return header;
  const encoding = given.has('encoding') ? stringArg(given.get('encoding')) : 'UTF8';
  if (encoding === undefined || !UTF8_NAMES.has(encoding.toLowerCase().replace(/[^a-z0-9]/g, ''))) {
    return `COPY ENCODING ${JSON.stringify(encoding ?? null)}: only UTF-8 data can be masked`;
  }
  for (const name of ['delimiter', 'null', 'quote', 'escape']) {
    if (given.has(name) && stringArg(given.get(name)) === undefined) return `COPY ${name.toUpperCase()} needs a string`;
  }
  const explicit = (name: string): string | undefined => (given.has(name) ? stringArg(given.get(name)) : undefined);
  const delimiter = explicit('delimiter');
  const nullString = explicit('null');
  const quote = explicit('quote');
  const escape = explicit('escape');

  if (format === 'binary') {
    if (delimiter !== undefined || nullString !== undefined || quote !== undefined || escape !== undefined || header) {
      return 'COPY BINARY takes no DELIMITER, NULL, QUOTE, ESCAPE or HEADER';
    }
    return { format, delimiter: '', null: '', quote: '', escape: '', header: false };
  }
  if (format === 'text' && (quote !== undefined || escape !== undefined)) return 'COPY QUOTE and ESCAPE need CSV';
  const csv = format === 'csv';
  const layout: CopyFormat = {
    format,
    delimiter: delimiter ?? (csv ? ',' : '\t'),
    null: nullString ?? (csv ? '' : '\\N'),
    quote: csv ? (quote ?? '"') : '',
    escape: csv ? (escape ?? quote ?? '"') : '',
    header,
  };
  return layoutProblem(layout) ?? layout;
}

const LAYOUT_OPTIONS = new Set(['format', 'header', 'delimiter', 'null', 'quote', 'escape', 'encoding']);
/** pg_char_to_encoding's names for UTF8, after clean_encoding_name (lower case, letters and digits). */
const UTF8_NAMES = new Set(['utf8', 'unicode']);
/** A text-format delimiter cannot be one of these: they would read as escapes or data. */
const TEXT_DELIMITER_FORBIDDEN = '\\.abcdefghijklmnopqrstuvwxyz0123456789';

function layoutProblem(layout: CopyFormat): string | undefined {
  const { delimiter, quote, escape } = layout;
  for (const [name, value] of [['delimiter', delimiter], ...(layout.format === 'csv' ? [['quote', quote], ['escape', escape]] : [])] as const) {
    if (Buffer.byteLength(value, 'utf8') !== 1) return `COPY ${name} must be a single one-byte character`;
  }
  if (delimiter === '\r' || delimiter === '\n') return 'COPY delimiter cannot be a newline or carriage return';
  if (layout.null.includes('\r') || layout.null.includes('\n')) return 'COPY NULL cannot contain a newline or carriage return';
  if (layout.format === 'text' && TEXT_DELIMITER_FORBIDDEN.includes(delimiter)) return `COPY delimiter cannot be ${JSON.stringify(delimiter)}`;
  if (layout.null.includes(delimiter)) return 'COPY delimiter must not appear in the NULL specification';
  if (layout.format === 'csv') {
    if (delimiter === quote) return 'COPY delimiter and quote must be different';
    if (layout.null.includes(quote)) return 'CSV quote character must not appear in the NULL specification';
  }
  return undefined;
}

/** defGetString: strings, numbers and booleans read as text; a missing argument is none. */
function stringArg(arg: unknown): string | undefined {
  const value = asNode(arg);
  if (value === undefined) return undefined;
  switch (value.type) {
    case 'String':
      return stringNode(arg);
    case 'Integer':
      return String(typeof value.body['ival'] === 'number' ? value.body['ival'] : 0);
    case 'Float':
      return str(value.body['fval']);
    case 'Boolean':
      return value.body['boolval'] === true ? 'true' : 'false';
    default:
      return undefined;
  }
}

/** defGetCopyHeaderChoice: bare, 0 / 1, true / false / on / off, or match (COPY FROM only). */
function headerArg(arg: unknown, direction: 'to' | 'from'): boolean | string {
  if (arg === undefined) return true;
  const value = asNode(arg);
  if (value?.type === 'Integer') {
    const number = typeof value.body['ival'] === 'number' ? value.body['ival'] : 0; // 0 is left out
    if (number === 0 || number === 1) return number === 1;
    return 'COPY HEADER must be a Boolean value or "match"';
  }
  const text = stringArg(arg)?.toLowerCase();
  if (text === 'true' || text === 'on') return true;
  if (text === 'false' || text === 'off') return false;
  if (text === 'match') return direction === 'from' ? true : 'COPY HEADER MATCH is for COPY FROM only';
  return 'COPY HEADER must be a Boolean value or "match"';
}

function failure(code: CopyFailureCode, message: string): CopyStatementFailure {
  return Object.freeze({ ok: false, code, message });
}
