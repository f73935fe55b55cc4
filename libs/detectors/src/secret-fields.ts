import { isAsciiAlnum, isAsciiLetter, isDigit } from './char-class.js';
import { secretKeyKind, type SecretKeyKind } from './context-words.js';
import { literalAlternation } from './literal-trie.js';
import { charClasses, isWordLike, shannonEntropy } from './secret-entropy.js';
import type { Span } from './secret-span.js';

/** Shortest value a password-like name's value must have to count as a secret. */
export const MIN_PASSWORD_LENGTH = 8;
/** Shortest value under any other secret-like name. */
export const MIN_SECRET_LENGTH = 16;
/** Shortest credential in an Authorization value. */
export const MIN_CREDENTIAL_LENGTH = 4;
/**
 * Entropy floors in bits per character (docs/detectors.md has the calibration). Entropy alone does
 * not tell a random token from an identifier (`PaymentMessageInvalidAccess` scores 3.8, a random
 * 16-character base62 token 3.7), so identifiers are told apart by isWordLike and the floors only
 * reject the degenerate (`aaaa1111aaaa1111`): at 2.5, 99.3 % of random 16-character hex tokens
 * pass (at 3.0 only 86 %). Passwords are chosen by people, so theirs is lower still.
 */
export const SECRET_MIN_ENTROPY = 2.5;
export const PASSWORD_MIN_ENTROPY = 2.0;
const MAX_VALUE_LENGTH = 4096;
/** AWS secret access keys: 40 characters of base64. */
const AWS_SECRET_LENGTH = 40;
const AWS_SECRET_WINDOW = 100;

/**
 * Where a secret-bearing name may be written. Each hit is widened to the whole name around it
 * (`client_secret`, `X-Api-Key`, `spring.datasource.password`), which decides.
 */
const NAME_HINTS = new RegExp(
  literalAlternation(['pass', 'pwd', 'secret', 'token', 'cred', 'auth', 'session', 'sig', 'bearer', 'basic', 'aws', 'cookie', 'key', 'jwt', 'otp', 'hmac']),
  'gi',
);
/** The same, without state: whether a text holds a hint at all. */
const ANY_HINT = new RegExp(NAME_HINTS.source, 'i');

/** Whether findNamedSecrets can find anything in `text`: every rule starts from a hint. */
export function mayHoldNamedSecret(text: string): boolean {
  return ANY_HINT.test(text);
}

/** The hint words that act without a separator after their name: `Bearer <token>`, `Basic <base64>`, and "aws"/"secret" before an AWS secret key. */
const SCHEME_AND_AWS_HINTS = /b(?:earer|asic)|aws|secret/gi;

/**
 * Free-text secrets that follow from a name: `name: value`, `name=value`, `"name": "value"`,
 * `name => value`, `<name>value</name>`, `--name value` for secret-like names; `Bearer <token>`
 * and `Basic <base64 user:password>` credentials; and 40-character AWS secret keys near "aws" or
 * "secret". A short text is scanned for hints whole (findNamedSecretsByHints); a long one only in
 * the names that can hold a secret (findNamedSecretsByNames), with the same result.
 */
export function findNamedSecrets(text: string, spans: Span[]): void {
  if (text.length < BY_NAMES_FROM) findNamedSecretsByHints(text, spans);
  else findNamedSecretsByNames(text, spans);
}

/**
 * From this length on, finding the names first is faster than one case-insensitive hint regex
 * over the whole text (on mixed text 1.4 against 2.4 ms/MB); below it, the regex call is cheaper.
 */
const BY_NAMES_FROM = 256;

/** The straightforward scan: every hint in the text, left to right, each name deciding. */
export function findNamedSecretsByHints(text: string, spans: Span[]): void {
  scanHints(text, 0, text.length, 0, spans);
}

/**
 * The same scan, run only in the names a hint there can act in, found with native searches: a
 * name followed by `=` or `:` (after a closing quote and up to 8 blanks, as separatorEnd reads
 * them), a name closed by `>`, a name starting with `--`, and a name holding "bearer", "basic",
 * "aws" or "secret". A hint in any other name finds no separator, is no scheme and looks for no
 * AWS key, so scanning it only moves the scan to that name's end, before the next name starts.
 * Names are scanned in order with the scan's position carried from one to the next, so every
 * hint that acts is met with the same position as in the whole scan.
 */
export function findNamedSecretsByNames(text: string, spans: Span[]): void {
  const nameStarts: number[] = [];
  for (const separator of ['=', ':']) {
    for (let at = text.indexOf(separator); at !== -1; at = text.indexOf(separator, at + 1)) {
      let end = at;
      while (end > 0 && at - end < 8 && isBlank(text.charCodeAt(end - 1))) end--;
      if (isQuote(text.charCodeAt(end - 1))) end--;
      addNameEndingAt(text, end, nameStarts);
    }
  }
  for (let at = text.indexOf('>'); at !== -1; at = text.indexOf('>', at + 1)) addNameEndingAt(text, at, nameStarts);
  for (let at = text.indexOf('--'); at !== -1; at = text.indexOf('--', at + 1)) {
    if (!isNameChar(text.charCodeAt(at - 1))) nameStarts.push(at);
  }
  SCHEME_AND_AWS_HINTS.lastIndex = 0;
  for (let hint = SCHEME_AND_AWS_HINTS.exec(text); hint !== null; hint = SCHEME_AND_AWS_HINTS.exec(text)) {
    let start = hint.index;
    while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--;
    nameStarts.push(start);
  }
  if (nameStarts.length > 1) nameStarts.sort(ascending);
  let cursor = 0;
  let previous = -1;
  for (const start of nameStarts) {
    if (start === previous) continue;
    previous = start;
    let end = start;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    if (end - start >= SHORTEST_HINT && end > cursor) cursor = scanHints(text, start, end, cursor, spans);
  }
}

/** The shortest hint word (`pwd`, `key`, `sig`, `aws`). */
const SHORTEST_HINT = 3;

/**
 * The shortest text findNamedSecrets can match in: `pwd=` and a password. The scheme credentials
 * (`Basic ` and eight characters), AWS keys near "aws" and every prefixed token are longer.
 */
export const SHORTEST_FREE_TEXT_SECRET = SHORTEST_HINT + 1 + MIN_PASSWORD_LENGTH;

/** Adds the name ending at `end` if it has letters enough for a hint (`19:54:27` has none). */
function addNameEndingAt(text: string, end: number, nameStarts: number[]): void {
  let start = end;
  let letters = 0;
  for (let code = text.charCodeAt(start - 1); start > 0 && isNameChar(code); code = text.charCodeAt(--start - 1)) {
    if (isAsciiLetter(code)) letters++;
  }
  if (letters >= SHORTEST_HINT) nameStarts.push(start);
}

/**
 * Scans text[from, to) for hints from `cursor` on, each hint's name deciding (namedSecretAt);
 * returns where the scan resumes. A range short of the whole text is a name, read as its own
 * string: a hint is made of letters, so one that starts in a name also ends in it.
 */
function scanHints(text: string, from: number, to: number, cursor: number, spans: Span[]): number {
  const whole = from === 0 && to === text.length;
  const scanned = whole ? text : text.slice(from, to);
  NAME_HINTS.lastIndex = Math.max(0, cursor - from);
  let resume = cursor;
  for (let hint = NAME_HINTS.exec(scanned); hint !== null; hint = NAME_HINTS.exec(scanned)) {
    const hit = from + hint.index;
    const next = namedSecretAt(text, hit, hint[0].toLowerCase(), spans);
    resume = Math.max(hit + hint[0].length, next);
    if (resume >= to) break;
    NAME_HINTS.lastIndex = resume - from;
  }
  return resume;
}

function ascending(a: number, b: number): number {
  return a - b;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Handles the name around the hint `word` at `hit`; returns where scanning resumes. Most hints are
 * ordinary words in prose ("the session expired"), so the cheap test comes first: is the name
 * followed by a separator at all? Only then is the name sliced and classified.
 */
function namedSecretAt(text: string, hit: number, word: string, spans: Span[]): number {
  let nameStart = hit;
  while (nameStart > 0 && isNameChar(text.charCodeAt(nameStart - 1))) nameStart--;
  let nameEnd = hit + word.length;
  while (nameEnd < text.length && isNameChar(text.charCodeAt(nameEnd))) nameEnd++;
  while (nameEnd > hit + word.length && text.charCodeAt(nameEnd - 1) === 0x2e) nameEnd--; // "… the token." ends a sentence
  const separator = separatorEnd(text, nameStart, nameEnd);
  if (separator !== undefined) {
    const kind = secretKeyKind(text.slice(nameStart, nameEnd));
    if (kind !== undefined) {
      // `Cookie: sessionid=…`: the value is itself `name=value`; scan on so the inner name decides.
      // Told from the value's first name alone, before the value is read to its end: a run of
      // `password=password=…` must not read up to MAX_VALUE_LENGTH at every step.
      const nested = separator.element ? undefined : nestedAssignmentAt(text, skipBlanks(text, separator.from));
      if (nested !== undefined) return nested;
      const value = valueAt(text, separator);
      if (value === undefined) return separator.from;
      if (kind === 'authorization') authorizationCredential(text, value.start, value.end, value.quoted, spans);
      else if (isSecretValue(text, value.start, value.end, kind)) spans.push({ start: value.start, end: value.end });
      return value.end;
    }
  }
  const isScheme = (word === 'bearer' || word === 'basic') && nameStart === hit && nameEnd === hit + word.length;
  if (isScheme && text.charCodeAt(nameEnd) === 0x20) return schemeCredential(text, word as 'bearer' | 'basic', nameEnd, spans) ?? nameEnd;
  if (word === 'aws' || word === 'secret') awsSecretNear(text, nameEnd, spans);
  return nameEnd;
}

/** Where an unquoted value that is itself `name=value` starts, or undefined. */
function nestedAssignmentAt(text: string, start: number): number | undefined {
  if (!isAsciiAlnum(text.charCodeAt(start))) return undefined;
  let i = start;
  while (i < text.length && i - start < MAX_NAME_LENGTH && isNameChar(text.charCodeAt(i))) i++;
  // Base64 padding (`…Rwf==`) is not an assignment: something other than `=` or a value end must follow.
  const after = text.charCodeAt(i + 1);
  const nested = text.charCodeAt(i) === 0x3d && i + 1 < text.length && after !== 0x3d && !isUnquotedValueEnd(after);
  return nested ? start : undefined;
}

/** Longer runs of name characters are values, not names. */
const MAX_NAME_LENGTH = 128;

function isNameChar(code: number): boolean {
  return isAsciiAlnum(code) || code === 0x5f || code === 0x2d || code === 0x2e;
}

interface ValueSpan extends Span {
  readonly quoted: boolean;
}

/** Where a name's value starts; `element` for the text of `<name>…</name>`. */
interface Separator {
  readonly from: number;
  readonly element: boolean;
}

/**
 * Where the value after a name starts, or undefined when no separator follows: `name: `,
 * `name = `, `"name": `, `name => `, `name := `, `<name>`, `--name `.
 */
function separatorEnd(text: string, nameStart: number, nameEnd: number): Separator | undefined {
  let i = nameEnd;
  const opening = text.charCodeAt(nameStart - 1);
  if (isQuote(opening) && text.charCodeAt(i) === opening) i++;
  if (opening === 0x3c && text.charCodeAt(i) === 0x3e) return { from: i + 1, element: true };
  i = skipBlanks(text, i);
  const code = text.charCodeAt(i);
  const second = text.charCodeAt(i + 1);
  if (code === 0x3d) return { from: i + (second === 0x3e ? 2 : 1), element: false };
  if (code === 0x3a) return { from: i + (second === 0x3d ? 2 : 1), element: false };
  const cliFlag = text.startsWith('--', nameStart) && i === nameEnd + 1;
  return cliFlag ? { from: i, element: false } : undefined;
}

/** The value a separator introduces (after blanks; quoted, unquoted, or an element's text). */
function valueAt(text: string, separator: Separator): ValueSpan | undefined {
  if (separator.element) return delimitedValue(text, separator.from, 0x3c, false);
  const i = skipBlanks(text, separator.from);
  const quote = text.charCodeAt(i);
  if (isQuote(quote)) return delimitedValue(text, i + 1, quote, true);
  let end = i;
  while (end < text.length && end - i < MAX_VALUE_LENGTH && !isUnquotedValueEnd(text.charCodeAt(end))) end++;
  return end > i ? { start: i, end, quoted: false } : undefined;
}

function delimitedValue(text: string, start: number, delimiter: number, quoted: boolean): ValueSpan | undefined {
  let end = start;
  while (end < text.length && end - start < MAX_VALUE_LENGTH) {
    const code = text.charCodeAt(end);
    if (code === delimiter || code === 0x0a || code === 0x0d) break;
    end++;
  }
  return end > start ? { start, end, quoted } : undefined;
}

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < 8 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  return i;
}

function isQuote(code: number): boolean {
  return code === 0x22 || code === 0x27 || code === 0x60;
}

/** Where an unquoted value ends: whitespace, quotes, and the delimiters of query strings, lists and markup. */
function isUnquotedValueEnd(code: number): boolean {
  return code <= 0x20 || code === 0x22 || code === 0x27 || code === 0x60 || code === 0x26 || code === 0x3c || code === 0x3e
    || code === 0x2c || code === 0x3b || code === 0x29 || code === 0x7d || code === 0x5d;
}

/**
 * The value of an Authorization header (or field): the credential after its scheme
 * (`Bearer …`, `Basic …`, `Token …`, `AWS4-HMAC-SHA256 Credential=…`), or the whole value when it
 * has none. Under this name anything but a placeholder is a credential.
 */
export function authorizationCredential(text: string, valueStart: number, valueEnd: number, quoted: boolean, spans: Span[]): void {
  let start = valueStart;
  while (start < valueEnd && (isAsciiAlnum(text.charCodeAt(start)) || text.charCodeAt(start) === 0x2d)) start++;
  let end = valueEnd;
  if (start < text.length && text.charCodeAt(start) === 0x20 && start > valueStart) {
    start = skipBlanks(text, start);
    if (!quoted) {
      end = start;
      while (end < text.length && !isUnquotedValueEnd(text.charCodeAt(end))) end++;
      // Credentials such as AWS SigV4 run on with `, SignedHeaders=…, Signature=…`: to the end of the line.
      while (end < text.length && text.charCodeAt(end) !== 0x0a && text.charCodeAt(end) !== 0x0d && text.charCodeAt(end) !== 0x22) end++;
    }
  } else {
    start = valueStart;
  }
  if (end - start >= MIN_CREDENTIAL_LENGTH && !isPlaceholder(text, start, end)) spans.push({ start, end });
}

/** `Bearer <token68>` / `Basic <base64>` outside a named header. Returns where scanning resumes. */
function schemeCredential(text: string, scheme: 'bearer' | 'basic', schemeEnd: number, spans: Span[]): number | undefined {
  const start = skipBlanks(text, schemeEnd);
  let end = start;
  while (end < text.length && isToken68Char(text.charCodeAt(end))) end++;
  if (text.charCodeAt(end) === 0x3d && text.charCodeAt(end + 1) === 0x22) return undefined; // an auth-param: realm="…"
  while (text.charCodeAt(end) === 0x3d) end++;
  const length = end - start;
  if (length < MIN_PASSWORD_LENGTH || isPlaceholder(text, start, end)) return undefined;
  // A bearer token is opaque: random-looking, with a digit or long (not "Bearer authentication").
  const credential = scheme === 'basic'
    ? isBasicCredential(text.slice(start, end))
    : (charClasses(text, start, end).digit || length >= 20) && looksRandom(text, start, end);
  if (!credential) return undefined;
  spans.push({ start, end });
  return end;
}

function isToken68Char(code: number): boolean {
  return isAsciiAlnum(code) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e || code === 0x2b || code === 0x2f;
}

/** Base64 of `user:password` in printable characters. */
function isBasicCredential(encoded: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  return decoded.includes(':') && !/[\u0000-\u001f\u007f\ufffd]/.test(decoded);
}

/** A 40-character base64 run shortly after "aws" or "secret" (`aws configure set … <key>`). */
function awsSecretNear(text: string, from: number, spans: Span[]): void {
  const limit = Math.min(text.length, from + AWS_SECRET_WINDOW);
  let runStart = -1;
  for (let i = from; i <= limit; i++) {
    const inRun = i < text.length && isBase64Char(text.charCodeAt(i));
    if (inRun) {
      if (runStart === -1) runStart = i;
      continue;
    }
    if (runStart !== -1 && i - runStart === AWS_SECRET_LENGTH && text.charCodeAt(i) !== 0x3d && charClasses(text, runStart, i).digit && looksRandom(text, runStart, i)) {
      spans.push({ start: runStart, end: i });
      return;
    }
    runStart = -1;
  }
}

function isBase64Char(code: number): boolean {
  return isAsciiAlnum(code) || code === 0x2b || code === 0x2f;
}

function looksRandom(text: string, start: number, end: number): boolean {
  return shannonEntropy(text, start, end) >= SECRET_MIN_ENTROPY && !isWordLike(text, start, end);
}

/**
 * Whether a value under a secret-like name is a secret rather than a description of one: long
 * enough, one word, not a placeholder, a URL or a date, mixed characters and high entropy.
 */
export function isSecretValue(text: string, start: number, end: number, kind: Exclude<SecretKeyKind, 'authorization'>): boolean {
  const length = end - start;
  const minLength = kind === 'password' ? MIN_PASSWORD_LENGTH : MIN_SECRET_LENGTH;
  if (length < minLength || length > MAX_VALUE_LENGTH || hasWhitespace(text, start, end) || isPlaceholder(text, start, end) || looksLikeUrlOrDate(text, start, end)) return false;
  const classes = charClasses(text, start, end);
  const entropy = shannonEntropy(text, start, end);
  if (kind === 'password') return (classes.count >= 2 || length >= MIN_SECRET_LENGTH) && entropy >= PASSWORD_MIN_ENTROPY;
  const mixed = (classes.digit && (classes.lower || classes.upper)) || (classes.lower && classes.upper);
  return mixed && entropy >= SECRET_MIN_ENTROPY && !isWordLike(text, start, end);
}

/** Generated secrets never hold whitespace; a value with some is a sentence ("Please provide a token"). */
function hasWhitespace(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) <= 0x20) return true;
  return false;
}

const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set([
  'null', 'none', 'nil', 'undefined', 'true', 'false', 'redacted', '[redacted]', '<redacted>', 'hidden', 'masked',
  'secret', 'password', 'changeit', 'notset', 'not-set', 'unset', 'empty', 'required', 'optional',
]);

/** `********`, `xxxxxxxx`, `${DB_PASSWORD}`, `{{ token }}`, `<your-token>`, `%API_KEY%`, `[REDACTED]`, `sk_live_****`. */
function isPlaceholder(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  let same = true;
  for (let i = start + 1; i < end && same; i++) same = text.charCodeAt(i) === first;
  if (same) return true;
  const value = text.slice(start, end);
  if (PLACEHOLDER_WORDS.has(value.toLowerCase()) || value.includes('***') || value.includes('•••')) return true;
  // References to a value kept elsewhere; an unquoted one may be cut at its closing brace.
  if (value.startsWith('${') || value.startsWith('{{') || value.startsWith('$(')) return true;
  // `<your-token>`, `[REDACTED]`: an unquoted value stops before the closing bracket, so look just past it.
  const closer = first === 0x3c ? 0x3e : first === 0x5b ? 0x5d : -1;
  if (closer !== -1 && (text.charCodeAt(end - 1) === closer || text.charCodeAt(end) === closer)) return true;
  return first === 0x25 && text.charCodeAt(end - 1) === 0x25;
}

function looksLikeUrlOrDate(text: string, start: number, end: number): boolean {
  for (let i = start; i + 2 < end; i++) {
    if (text.charCodeAt(i) === 0x3a && text.charCodeAt(i + 1) === 0x2f && text.charCodeAt(i + 2) === 0x2f) return true;
  }
  // 2026-12-04…: an ISO date or timestamp.
  return end - start >= 10 && isDigit(text.charCodeAt(start)) && isDigit(text.charCodeAt(start + 3)) && text.charCodeAt(start + 4) === 0x2d
    && isDigit(text.charCodeAt(start + 5)) && text.charCodeAt(start + 7) === 0x2d;
}
