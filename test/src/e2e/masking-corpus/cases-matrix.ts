import type { EvasionCase, Planted, PrecisionCase } from './corpus.types.js';
import { DIGIT_ZERO, decimalEntities, encodeText, escapeHtml, fullwidth, hexEntities, inDigits, jsonEscapeAll, percentAll, SEP, type Charset, type Coding } from './encode.js';
import { evasion, form, html, json, MAY_REFUSE_UNREADABLE, ndjson, precision, rawJson, rawNdjson, sse, sseData, text, xml, type CaseOptions, type Doc } from './formats.js';
import { ITEMS } from './precision-cases.js';
import { card, CARDS, email, groups, iban, ibanGrouped, IBANS, phone, PHONES, SECRETS, ssn, SSNS, tokenSecret } from './values.js';

// The generated layer: every detector's values × every spelling × every format, each in one of
// the transports (charsets and codings) in turn — the cross product the hand-written tables
// sample, so a gap in one combination shows up even where no one thought of writing it. The
// look-alikes go through the same formats and transports.

interface MatrixValue {
  readonly id: string;
  readonly detector: string;
  /** The word before the value (some detectors want context, and it is what a document has). */
  readonly context: string;
  readonly value: string;
  readonly planted: Planted;
}

const VALUES: readonly MatrixValue[] = [
  { id: 'visa', detector: 'card', context: 'card', value: groups(CARDS.visa).join(' '), planted: card(CARDS.visa, 'visa') },
  { id: 'amex', detector: 'card', context: 'card', value: groups(CARDS.amex).join('-'), planted: card(CARDS.amex, 'amex') },
  { id: 'email', detector: 'email', context: 'mail', value: 'zephyrine.okafor@example.org', planted: email('zephyrine.okafor@example.org') },
  { id: 'email-plus', detector: 'email', context: 'mail', value: 'ansel.whitlock+ops@example.net', planted: email('ansel.whitlock+ops@example.net') },
  { id: 'iban-gb', detector: 'iban', context: 'IBAN', value: ibanGrouped(IBANS.gb), planted: iban(IBANS.gb) },
  { id: 'iban-fr', detector: 'iban', context: 'IBAN', value: IBANS.fr, planted: iban(IBANS.fr) },
  { id: 'phone-gb', detector: 'phone', context: 'call', value: '+44 20 7946 0958', planted: phone(PHONES.gb) },
  { id: 'phone-us', detector: 'phone', context: 'call', value: '+1 415-555-2671', planted: phone(PHONES.us) },
  { id: 'ssn', detector: 'ssn', context: 'SSN', value: SSNS[5], planted: ssn(SSNS[5]) },
  { id: 'ghp', detector: 'secret', context: 'token', value: SECRETS.ghp, planted: tokenSecret('ghp', SECRETS.ghp, 4) },
  { id: 'aws', detector: 'secret', context: 'aws_access_key_id =', value: SECRETS.awsKeyId, planted: tokenSecret('aws key id', SECRETS.awsKeyId, 4) },
];

const every = (text: string, n: number, insert: string) => [...text].map((c, i) => (i % n === n - 1 ? c + insert : c)).join('');

/** Spellings of a value; one that leaves the value as it is (no separator, no digit) is skipped. */
const SPELLINGS: readonly [string, (v: string) => string][] = [
  ['plain', (v) => v],
  ['nbsp', (v) => v.replace(/[ -]/g, SEP.nbsp)],
  ['fullwidth', fullwidth],
  ['arabic-digits', (v) => inDigits(v, DIGIT_ZERO.arabicIndic)],
  ['zwsp', (v) => every(v, 3, SEP.zwsp)],
  ['soft-hyphen', (v) => every(v, 4, SEP.softHyphen)],
];

/** A document of each format around `written`, plain or in the format's own escape (`escaped`). */
const FORMATS: readonly [string, (written: string, escaped: boolean) => Doc][] = [
  ['text', (w, e) => text(e ? percentAll(w) : w)],
  ['json', (w, e) => (e ? rawJson(`{"ticket":{"note":"${jsonEscapeAll(w)}"}}`) : json(w))],
  ['html', (w, e) => html(e ? decimalEntities(w) : escapeHtml(w))],
  ['xml', (w, e) => xml(`<note>${e ? hexEntities(w) : escapeHtml(w)}</note>`)],
  ['form', (w, e) => form(`id=t-abc&note=${e ? percentAll(w) : encodeURIComponent(w).replace(/%20/g, '+')}`)],
  ['ndjson', (w, e) => (e ? rawNdjson(`{"event":"opened"}\n{"event":"note","text":"${jsonEscapeAll(w)}"}\n`) : ndjson(w))],
  ['sse', (w, e) => (e ? sse(`event: note\ndata: {"text":${JSON.stringify(w)}}\n\n`) : sseData(w))],
];

type Transport = { readonly id: string; readonly charset?: Charset; readonly declare?: string | null; readonly codings?: readonly Coding[] };

const TRANSPORTS: readonly Transport[] = [
  { id: 'utf8' },
  { id: 'utf16le-bom', charset: 'utf-16le-bom' },
  { id: 'gzip', codings: ['gzip'] },
  { id: 'utf16be', charset: 'utf-16be' },
  { id: 'br', codings: ['br'] },
  { id: 'cp1252', charset: 'windows-1252' },
  { id: 'deflate', codings: ['deflate'] },
  { id: 'utf16le-undeclared-gzip', charset: 'utf-16le', declare: null, codings: ['gzip'] },
];

/** The transport, or UTF-8 when the document cannot be written in its charset (windows-1252). */
function fit(doc: Doc, t: Transport): Transport {
  if (!t.charset) return t;
  try {
    encodeText(doc.text, t.charset);
    return t;
  } catch {
    return TRANSPORTS[0]!;
  }
}

const options = (t: Transport): CaseOptions => ({ ...(t.charset ? { charset: t.charset } : {}), ...(t.declare !== undefined ? { declare: t.declare } : {}), ...(t.codings ? { codings: t.codings } : {}) });
const wide = (t: Transport) => t.charset?.startsWith('utf-16') || t.charset?.startsWith('utf-32');

/**
 * Formats whose specification fixes the charset, sent in another: JSON outside UTF-8 (RFC 8259)
 * and an event stream outside UTF-8 (the HTML standard decodes it as UTF-8 whatever it says).
 * Refusing them is allowed, as in the hand-written tables; look-alikes are not sent so.
 */
const offSpec = (format: string, t: Transport) => ((format === 'json' || format === 'ndjson') && wide(t)) || (format === 'sse' && t.charset !== undefined && t.charset !== 'utf-8');

export function matrixEvasion(): EvasionCase[] {
  const cases: EvasionCase[] = [];
  let n = 0;
  for (const v of VALUES) {
    for (const [spelling, spell] of SPELLINGS) {
      const spelled = spell(v.value);
      if (spelling !== 'plain' && spelled === v.value) continue;
      for (const [format, build] of FORMATS) {
        const doc = build(`${v.context} ${spelled}`, n % 2 === 1);
        const t = fit(doc, TRANSPORTS[n % TRANSPORTS.length]!);
        const refusal = offSpec(format, t) ? { refusal: MAY_REFUSE_UNREADABLE } : {};
        cases.push(evasion(`m-${v.id}-${spelling}-${format}-${n % 2 ? 'escaped' : 'plain'}-${t.id}`, `matrix/${v.detector}/${spelling}`, v.planted, doc, { ...options(t), ...refusal }));
        n++;
      }
    }
  }
  return cases;
}

/** Each look-alike in three formats (in turn), each in a transport (in turn). */
export function matrixPrecision(): PrecisionCase[] {
  const cases: PrecisionCase[] = [];
  let n = 0;
  for (const [klass, values] of Object.entries(ITEMS)) {
    values.forEach((value, i) => {
      for (let k = 0; k < 3; k++) {
        const [format, build] = FORMATS[(n + k * 2) % FORMATS.length]!;
        const doc = build(value, false);
        const t = fit(doc, TRANSPORTS[n % TRANSPORTS.length]!);
        if (offSpec(format, t)) continue;
        cases.push(precision(`mp-${klass}-${i}-${format}-${t.id}`, klass, doc, options(t)));
        n++;
      }
    });
  }
  return cases;
}
