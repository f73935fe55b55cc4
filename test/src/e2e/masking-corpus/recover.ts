import { domainToUnicode } from 'node:url';
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Canonical, Planted } from './corpus.types.js';
import { CP1252, EBCDIC_037 } from './encode.js';

// The heart of the corpus: everything a client (or an attacker reading what the gateway let
// through) could make of an answer. An answer is read every way a client might — the coding its
// header names and any compression the bytes look like, every charset (declared, by BOM, or
// guessed), JSON, event-stream data, HTML/XML entities and tags, percent- and backslash-escapes —
// and each reading is normalised (NFKC, every Unicode decimal digit as ASCII, invisible characters
// removed, lower case) and projected (digits only; letters and digits only). A planted value
// leaked if its canonical form is in any of them. Liberal on purpose: a reading no real client
// would make costs nothing, a reading missed hides a leak.

/** One reading of an answer, and how it was obtained (for the report). */
export interface View {
  readonly how: string;
  readonly text: string;
}

/** A view prepared for comparisons. */
interface Prepared {
  readonly how: string;
  readonly normal: string;
  readonly digits: string;
  readonly alnum: string;
}

const MAX_OUTPUT = 64 << 20;
const LARGE = 2 << 20;
const MAX_VIEWS = 600;

// ---- bytes: content codings, declared and sniffed ----

const zlibOptions = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_OUTPUT };
const brotliOptions = { finishFlush: constants.BROTLI_OPERATION_FLUSH, maxOutputLength: MAX_OUTPUT };

function attempt(decode: () => Buffer): Buffer | undefined {
  try {
    const out = decode();
    return out.length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

const CODINGS: Record<string, (b: Buffer) => Buffer | undefined> = {
  gzip: (b) => attempt(() => gunzipSync(b, zlibOptions)),
  'x-gzip': (b) => attempt(() => gunzipSync(b, zlibOptions)),
  deflate: (b) => attempt(() => inflateSync(b, zlibOptions)) ?? attempt(() => inflateRawSync(b, zlibOptions)),
  br: (b) => attempt(() => brotliDecompressSync(b, brotliOptions)),
};

/** The body decoded as its Content-Encoding says (last coding first); undefined if a coding is unknown or fails. */
export function decodeContent(body: Buffer, contentEncoding: string | undefined): Buffer | undefined {
  const codings = (contentEncoding ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c && c !== 'identity');
  let out: Buffer | undefined = body;
  for (const coding of codings.reverse()) {
    const decode = CODINGS[coding];
    out = decode && out ? decode(out) : undefined;
    if (!out) return undefined;
  }
  return out;
}

/** Compressed data the bytes look like, whatever the headers say (a coding stripped, or stacked). */
function sniffed(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const add = (b: Buffer | undefined) => b && !b.equals(bytes) && out.push(b);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) add(CODINGS.gzip!(bytes));
  if (bytes.length > 1 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0) add(attempt(() => inflateSync(bytes, zlibOptions)));
  if (bytes.length < LARGE) {
    add(attempt(() => brotliDecompressSync(bytes, { ...brotliOptions, maxOutputLength: LARGE })));
    add(attempt(() => inflateRawSync(bytes, { ...zlibOptions, maxOutputLength: LARGE })));
  }
  return out;
}

function byteViews(body: Buffer, contentEncoding: string | undefined): { how: string; bytes: Buffer }[] {
  const views = [{ how: 'raw', bytes: body }];
  const declared = decodeContent(body, contentEncoding);
  if (declared && !declared.equals(body)) views.push({ how: `content-encoding(${contentEncoding})`, bytes: declared });
  for (let i = 0; i < views.length && views.length < 12; i++) {
    if (views[i]!.how.split('>').length > 3) continue;
    for (const bytes of sniffed(views[i]!.bytes)) if (!views.some((v) => v.bytes.equals(bytes))) views.push({ how: `${views[i]!.how}>sniffed-compression`, bytes });
  }
  return views;
}

// ---- charsets ----

function utf32(bytes: Buffer, littleEndian: boolean): string {
  let out = '';
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const p = littleEndian ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i);
    if (p <= 0x10ffff && (p < 0xd800 || p > 0xdfff)) out += String.fromCodePoint(p);
  }
  return out;
}

function utf7(text: string): string {
  return text.replace(/\+([A-Za-z0-9+/]*)-?/g, (_m, run: string) => {
    if (run === '') return '+';
    const units = Buffer.from(run, 'base64');
    let out = '';
    for (let i = 0; i + 1 < units.length; i += 2) out += String.fromCharCode((units[i]! << 8) | units[i + 1]!);
    return out;
  });
}

const EBCDIC_DECODE: string[] = (() => {
  const table: string[] = [];
  for (const [c, b] of Object.entries(EBCDIC_037)) table[b] = c;
  return table;
})();

const CP1252_DECODE: string[] = (() => {
  const table = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));
  for (const [c, b] of Object.entries(CP1252)) table[b] = c;
  return table;
})();

/** WHATWG's labels of windows-1252 (latin1 and ASCII among them), decoded by its table: Node 20's TextDecoder reads 0x80–0x9F as C1 controls. */
const WINDOWS_1252 = /^(windows-1252|cp1252|x-cp1252|cp819|ibm819|iso-8859-1|iso8859-1|iso_8859-1|iso-ir-100|l1|latin1|us-ascii|ascii|ansi_x3\.4-1968)$/;

function decodeWith(label: string, bytes: Buffer): string | undefined {
  const l = label.toLowerCase().replace(/^"|"$/g, '');
  if (WINDOWS_1252.test(l)) return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_DECODE[c.charCodeAt(0)]!);
  if (/^utf-?32(le)?$/.test(l)) return utf32(bytes, !(l === 'utf-32' && bytes[0] === 0 && bytes[1] === 0));
  if (/^utf-?32be$/.test(l)) return utf32(bytes, false);
  if (/^(unicode-1-1-)?utf-?7$/.test(l)) return utf7(bytes.toString('latin1'));
  if (/^(ibm0?37|cp0?37|ebcdic-cp-us|ebcdic)$/.test(l)) return [...bytes].map((b) => EBCDIC_DECODE[b] ?? ' ').join('');
  try {
    return new TextDecoder(l).decode(bytes);
  } catch {
    return undefined;
  }
}

function bomCharset(b: Buffer): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'utf-32le';
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'utf-32be';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The charset parameter of a Content-Type, if any. */
export const charsetOf = (contentType: string | undefined) => /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];

function textViews(bytes: Buffer, declared: string | undefined): View[] {
  const labels = [bomCharset(bytes), declared, 'utf-8', 'windows-1252'];
  if (bytes.length < LARGE) labels.push('utf-16le', 'utf-16be', 'utf-32le', 'utf-32be');
  const out: View[] = [];
  for (const label of labels) {
    if (!label) continue;
    const text = decodeWith(label, bytes);
    if (text !== undefined && !out.some((v) => v.text === text)) out.push({ how: label, text });
  }
  return out;
}

// ---- text transforms ----

function flatten(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      flatten(v, out);
    }
  }
}

/** Every key and string of the text as JSON, or of each line as JSON (NDJSON, SSE data). */
function jsonText(text: string): string | undefined {
  const out: string[] = [];
  const parse = (t: string) => {
    try {
      flatten(JSON.parse(t.replace(/^\ufeff/, '')), out);
      return true;
    } catch {
      return false;
    }
  };
  if (!parse(text)) for (const line of text.split(/\r\n|\r|\n/)) if (/[[{"]/.test(line)) parse(line.replace(/^data: ?/, ''));
  return out.length ? out.join('\n') : undefined;
}

/** An event stream's data, each event's data lines joined as the EventSource API joins them (and glued). */
function sseText(text: string, glue: string): string | undefined {
  if (!/(^|[\r\n])data:/.test(text)) return undefined;
  const events: string[] = [];
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) events.push(data.join(glue));
      data = [];
    } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length) events.push(data.join(glue));
  return events.join('\n\n');
}

function unescapeBackslashes(text: string): string {
  return text
    .replace(/\\u\{([0-9a-fA-F]{1,6})\}/g, (_m, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\([\\/"'])/g, '$1')
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r')
    .replace(/\\t/g, '\t');
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', commat: '@', period: '.', num: '#', dollar: '$', percnt: '%', lpar: '(', rpar: ')',
  ast: '*', plus: '+', comma: ',', hyphen: '\u2010', dash: '\u2010', ndash: '\u2013', mdash: '\u2014', minus: '\u2212', colon: ':', semi: ';', equals: '=',
  quest: '?', lowbar: '_', sol: '/', bsol: '\\', thinsp: '\u2009', ensp: '\u2002', emsp: '\u2003', numsp: '\u2007', puncsp: '\u2008', hairsp: '\u200a',
  zwnj: '\u200c', zwj: '\u200d', shy: '\u00ad', NewLine: '\n', Tab: '\t', lsqb: '[', rsqb: ']', lcub: '{', rcub: '}', verbar: '|', excl: '!', at: '@',
};

function decodeEntities(text: string): string {
  return text
    .replace(/&#[xX]([0-9a-fA-F]{1,6});?/g, (_m, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d{1,7});?/g, (_m, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&([A-Za-z][A-Za-z0-9]*);?/g, (m, name: string) => NAMED[name] ?? NAMED[name.toLowerCase()] ?? m);
}

const stripTags = (text: string) => text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1').replace(/<!--|-->/g, ' ').replace(/<[^<>]*>/g, '');

function percentDecode(text: string): string {
  return text
    .replace(/%u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

const punycode = (text: string) => text.replace(/xn--[a-z0-9-]+/gi, (label) => domainToUnicode(label) || label);

const TRANSFORMS: readonly [string, (t: string) => string | undefined][] = [
  ['json', jsonText],
  ['sse', (t) => sseText(t, '\n')],
  ['sse-glued', (t) => sseText(t, '')],
  ['unescape', (t) => (t.includes('\\') ? unescapeBackslashes(t) : undefined)],
  ['entities', (t) => (t.includes('&') ? decodeEntities(t) : undefined)],
  ['tags', (t) => (t.includes('<') ? stripTags(t) : undefined)],
  ['percent', (t) => (t.includes('%') ? percentDecode(t) : undefined)],
  ['form', (t) => (t.includes('+') || t.includes('%') ? percentDecode(t.replace(/\+/g, ' ')) : undefined)],
  ['punycode', (t) => (/xn--/i.test(t) ? punycode(t) : undefined)],
];

/** Every reading of `start` the transforms reach, up to `depth` transforms deep. */
function closure(start: readonly View[], depth: number): View[] {
  const seen = new Set(start.map((v) => v.text));
  const views = [...start];
  let frontier = [...start];
  for (let level = 0; level < depth && frontier.length; level++) {
    const next: View[] = [];
    for (const view of frontier) {
      if (view.text.length > LARGE) continue;
      for (const [name, transform] of TRANSFORMS) {
        const text = transform(view.text);
        if (text === undefined || seen.has(text) || views.length + next.length >= MAX_VIEWS) continue;
        seen.add(text);
        next.push({ how: `${view.how}>${name}`, text });
      }
    }
    views.push(...next);
    frontier = next;
  }
  return views;
}

// ---- normalisation ----

const digitValue = new Map<number, number>();

/** The value of a Unicode decimal digit: digits come in runs of ten from a zero (UAX #44). */
function decimalValue(cp: number): number {
  let value = digitValue.get(cp);
  if (value === undefined) {
    let zero = cp;
    while (zero > 0 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
    value = (cp - zero) % 10;
    digitValue.set(cp, value);
  }
  return value;
}

/** NFKC, invisible characters removed, every decimal digit as ASCII, lower case. */
export function normalise(text: string): string {
  return text
    .replace(/[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu, '')
    .normalize('NFKC')
    .replace(/\p{Nd}/gu, (d) => (d >= '0' && d <= '9' ? d : String(decimalValue(d.codePointAt(0)!))))
    .toLowerCase();
}

const alnum = (normal: string) => normal.replace(/[^\p{L}\p{N}]/gu, '');

function prepare(view: View): Prepared {
  const normal = normalise(view.text);
  return { how: view.how, normal, digits: normal.replace(/[^0-9]/g, ''), alnum: alnum(normal) };
}

// ---- the readings of an answer ----

export interface Readings {
  readonly views: readonly Prepared[];
}

/** Every reading of a body with its Content-Type and Content-Encoding. */
export function readBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined): Readings {
  const declared = charsetOf(contentType);
  const texts: View[] = [];
  for (const { how, bytes } of byteViews(body, contentEncoding)) for (const v of textViews(bytes, declared)) texts.push({ how: `${how}>${v.how}`, text: v.text });
  return { views: closure(texts, 4).map(prepare) };
}

/** Every reading of header values, each header on its own. */
export function readHeaders(headers: readonly (readonly [string, string])[]): Readings {
  const views: Prepared[] = [];
  for (const [name, value] of headers) {
    // A header value is Latin-1 on the wire; a client may read its bytes as UTF-8 too.
    const starts = [{ how: `header ${name}`, text: value }];
    const utf8 = Buffer.from(value, 'latin1').toString('utf8');
    if (utf8 !== value && !utf8.includes('\ufffd')) starts.push({ how: `header ${name}>utf-8`, text: utf8 });
    views.push(...closure(starts, 3).map(prepare));
  }
  return { views };
}

/** Where a form of the planted value can be read, or undefined if it cannot. */
export function findLeak(planted: Planted, readings: readonly Readings[]): { form: Canonical; how: string } | undefined {
  for (const form of planted.forms) {
    const check = matcher(form);
    for (const r of readings) for (const view of r.views) if (check(view)) return { form, how: view.how };
  }
  return undefined;
}

function matcher(form: Canonical): (view: Prepared) => boolean {
  if (form.kind === 'digits') return (view) => view.digits.includes(form.value);
  const normal = normalise(form.value);
  const projected = alnum(normal);
  // Short values are compared as written; longer ones also through every separator.
  if (projected.length < 6) return (view) => view.normal.includes(normal);
  return (view) => view.normal.includes(normal) || view.alnum.includes(projected);
}

/** A short, safe description of a leaked form (never the whole value). */
export function describeForm(form: Canonical): string {
  const v = form.value;
  return `${form.kind} ${v.length <= 8 ? `${v.slice(0, 2)}…` : `${v.slice(0, 4)}…${v.slice(-3)}`} (${v.length} chars)`;
}
