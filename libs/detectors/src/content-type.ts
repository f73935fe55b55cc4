/** A Content-Type header read the way browsers read it (WHATWG MIME Sniffing, "parse a MIME type"). */
export interface ContentType {
  /** `type/subtype`, lower-case. */
  readonly essence: string;
  /** The essence as sent (its case kept), for the header the gateway sends back. */
  readonly essenceAsSent: string;
  /** Parameters in order, names lower-case, the first of each name only (later ones are ignored, as browsers do). */
  readonly parameters: readonly (readonly [string, string])[];
  /** The `charset` parameter's value, lower-case, trimmed; undefined when absent. */
  readonly charset: string | undefined;
  /** More than one `charset` parameter was sent: clients may disagree on which one counts. */
  readonly charsetRepeated: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Quoted-string content: HTAB, SP, VCHAR and obs-text.
const QUOTED_OK = /^[\t\x20-\x7e\x80-\xff]*$/;
const WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** undefined when the header is absent or its `type/subtype` is malformed. */
export function parseContentType(header: string | undefined): ContentType | undefined {
  if (header === undefined) return undefined;
  const input = header.replace(WHITESPACE, '');
  const slash = input.indexOf('/');
  if (slash <= 0) return undefined;
  const semicolon = input.indexOf(';', slash);
  const type = input.slice(0, slash);
  const subtype = input.slice(slash + 1, semicolon === -1 ? input.length : semicolon).replace(WHITESPACE, '');
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  const parameters: [string, string][] = [];
  let charset: string | undefined;
  let charsetCount = 0;
  let position = semicolon === -1 ? input.length : semicolon;
  while (position < input.length) {
    position++; // the ';'
    while (position < input.length && ' \t\n\r'.includes(input[position]!)) position++;
    let end = position;
    while (end < input.length && input[end] !== ';' && input[end] !== '=') end++;
    const name = input.slice(position, end).toLowerCase();
    position = end;
    if (position >= input.length) break;
    if (input[position] === ';') continue;
    position++; // the '='
    let value: string;
    if (input[position] === '"') {
      const quoted = quotedString(input, position);
      value = quoted.value;
      position = input.indexOf(';', quoted.end);
      if (position === -1) position = input.length;
    } else {
      end = input.indexOf(';', position);
      if (end === -1) end = input.length;
      value = input.slice(position, end).replace(WHITESPACE, '');
      position = end;
      if (value === '') continue;
    }
    if (!TOKEN.test(name) || !QUOTED_OK.test(value)) continue;
    if (name === 'charset') charsetCount++;
    if (parameters.some(([seen]) => seen === name)) continue;
    parameters.push([name, value]);
    if (name === 'charset') charset = value.replace(WHITESPACE, '').toLowerCase();
  }
  return { essence: `${type}/${subtype}`.toLowerCase(), essenceAsSent: `${type}/${subtype}`, parameters, charset, charsetRepeated: charsetCount > 1 };
}

/** The same media type and parameters with `charset=<charset>` (in place of any charset sent). */
export function withCharset(type: ContentType, charset: string): string {
  let header = type.essenceAsSent;
  for (const [name, value] of type.parameters) if (name !== 'charset') header += `;${name}=${serialiseValue(value)}`;
  return `${header};charset=${charset}`;
}

/** WHATWG "collect an HTTP quoted string", value extracted: `"a\"b"` -> `a"b`. */
function quotedString(input: string, start: number): { value: string; end: number } {
  let value = '';
  let position = start + 1;
  while (position < input.length) {
    const char = input[position]!;
    if (char === '"') return { value, end: position + 1 };
    if (char === '\\' && position + 1 < input.length) {
      value += input[position + 1];
      position += 2;
      continue;
    }
    value += char;
    position++;
  }
  return { value, end: position };
}

function serialiseValue(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const NAME_FOR_MESSAGE = /^[a-z][a-z0-9._+-]{0,39}$/i;

/**
 * A charset or coding name from a header, for an error message: quoted when it looks like a name,
 * else not at all. Headers come from the upstream too, and a "name" can be any value.
 */
export function nameForMessage(name: string): string {
  // A header value is the upstream's to choose: one that could carry a value (a digit run) is not quoted.
  return NAME_FOR_MESSAGE.test(name) && !/\d{5}/.test(name) ? JSON.stringify(name) : 'not a known name';
}
