/**
 * Column rules of a masking profile: `[schema.]table.column`, each part a PostgreSQL identifier or
 * `*`. Unquoted parts are folded as PostgreSQL folds them (ASCII upper case to lower case); quoted
 * parts (`"Mixed Case"`, `""` for a quote inside) are kept as written, so `"*"` is a column named
 * `*`, not a wildcard. A pattern without a schema matches any schema.
 */
export interface ColumnPattern {
  /** undefined: any schema (`*`, or no schema part). */
  readonly schema: string | undefined;
  /** undefined: any table (`*`). */
  readonly table: string | undefined;
  /** undefined: any column (`*`). */
  readonly column: string | undefined;
}

/** Where a result column comes from, with names as the catalog holds them. */
export interface ColumnSource {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

export type ColumnPatternParse = { readonly ok: true; readonly pattern: ColumnPattern } | { readonly ok: false; readonly message: string };

/** A part is a name, or undefined for `*`. */
type Part = { readonly ok: true; readonly name: string | undefined; readonly end: number } | { readonly ok: false; readonly message: string };

const QUOTE = 0x22;
const DOT = 0x2e;

export function parseColumnPattern(text: string): ColumnPatternParse {
  const parts: (string | undefined)[] = [];
  let i = 0;
  for (;;) {
    const part = readPart(text, i);
    if (!part.ok) return part;
    parts.push(part.name);
    if (part.end === text.length) break;
    i = part.end + 1; // past the dot
    if (i === text.length) return { ok: false, message: `column pattern ${JSON.stringify(text)} ends with an empty part` };
  }
  if (parts.length < 2 || parts.length > 3) {
    return { ok: false, message: `column pattern ${JSON.stringify(text)} has ${parts.length} part${parts.length === 1 ? '' : 's'}; use table.column or schema.table.column` };
  }
  const [schema, table, column] = parts.length === 3 ? parts : [undefined, ...parts];
  return { ok: true, pattern: { schema, table, column } };
}

/** Whether a column from `source` is covered by the pattern. Names compare exactly (they are already folded). */
export function columnPatternMatches(pattern: ColumnPattern, source: ColumnSource): boolean {
  return (
    (pattern.column === undefined || pattern.column === source.column) &&
    (pattern.table === undefined || pattern.table === source.table) &&
    (pattern.schema === undefined || pattern.schema === source.schema)
  );
}

/** One part starting at `start`, ending at a dot or the end of the text. */
function readPart(text: string, start: number): Part {
  if (start === text.length || text.charCodeAt(start) === DOT) {
    return { ok: false, message: `column pattern ${JSON.stringify(text)} has an empty part` };
  }
  if (text.charCodeAt(start) === QUOTE) return readQuoted(text, start);
  let end = text.indexOf('.', start);
  if (end === -1) end = text.length;
  const raw = text.slice(start, end);
  if (raw === '*') return { ok: true, name: undefined, end };
  if (raw.includes('"')) {
    return { ok: false, message: `column pattern ${JSON.stringify(text)}: a quoted part must be quoted whole (${JSON.stringify(raw)})` };
  }
  if (!UNQUOTED_IDENTIFIER.test(raw)) {
    return { ok: false, message: `column pattern ${JSON.stringify(text)}: ${JSON.stringify(raw)} is not an identifier (quote it, e.g. "${raw}", or use *)` };
  }
  return { ok: true, name: foldAsciiUpper(raw), end };
}

function readQuoted(text: string, start: number): Part {
  let name = '';
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) return { ok: false, message: `column pattern ${JSON.stringify(text)} has an unterminated quoted part` };
    name += text.slice(i, quote);
    if (text.charCodeAt(quote + 1) === QUOTE) {
      name += '"';
      i = quote + 2;
      continue;
    }
    const end = quote + 1;
    if (end !== text.length && text.charCodeAt(end) !== DOT) {
      return { ok: false, message: `column pattern ${JSON.stringify(text)}: a quoted part must be followed by a dot or the end` };
    }
    if (name === '') return { ok: false, message: `column pattern ${JSON.stringify(text)} has an empty quoted part ("")` };
    return { ok: true, name, end };
  }
}

/**
 * What PostgreSQL accepts unquoted: a letter, `_` or any non-ASCII character first, then also
 * digits and `$`. (Key words such as `select` are accepted too: as names they are unambiguous here.)
 */
const UNQUOTED_IDENTIFIER = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*$/;

/** PostgreSQL's downcase_identifier in a UTF-8 database folds ASCII letters only. */
function foldAsciiUpper(name: string): string {
  return name.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}
