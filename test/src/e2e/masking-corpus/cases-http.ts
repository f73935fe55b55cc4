import type { EvasionCase, ExpectedRefusal } from './corpus.types.js';
import { SEP } from './encode.js';
import { evasion, json, rawJson, type Doc } from './formats.js';
import { etagOf } from './upstream.js';
import { card, CARDS, email, groups, iban, IBANS, phone, PHONES, SECRETS, ssn, SSNS, tokenSecret } from './values.js';

// HTTP around the body: ranges (never a piece of an unmasked document), integrity headers that
// describe the unmasked body, and values in response headers.

const VISA = CARDS.visa;
const visa = card(VISA, 'visa');
const MC = CARDS.mastercard;
const mc = card(MC, 'mastercard');
const addr = 'quillon.varga@example.com';
const mail = email(addr);

const FIRST = 'start-of-document';
const LAST = 'end-of-document';
const rangeDoc: Doc = rawJson(`{"first":"${FIRST}","card":"${groups(VISA).join(' ')}","padding":"${'lorem ipsum '.repeat(20)}","contact":"${addr}","last":"${LAST}"}`);
const whole = { first: FIRST, last: LAST };
const offsetOf = (needle: string) => Buffer.byteLength(rangeDoc.text.slice(0, rangeDoc.text.indexOf(needle)));

/**
 * A gateway may refuse a Range request outright (as a bad request, or as an answer it cannot mask)
 * instead of dropping the header; forwarding it is a failure of its own (the upstream tells).
 */
const MAY_REFUSE_RANGE: ExpectedRefusal = { allowed: [[400, 'BAD_REQUEST'], [502, 'RESPONSE_NOT_MASKABLE']] };
/** A 206 from the upstream is a piece of a document that cannot be masked whole: it must be refused. */
const MUST_REFUSE_206: ExpectedRefusal = { allowed: [[502, 'RESPONSE_NOT_MASKABLE']], required: true };

function rangeCases(): EvasionCase[] {
  const cardAt = offsetOf(groups(VISA)[0]!);
  const body = Buffer.from(rangeDoc.text);
  const etag = etagOf(body);
  const both = [visa, mail];
  const r = (id: string, request: Record<string, string>, extra: Parameters<typeof evasion>[4] = {}) =>
    evasion(id, 'range/request', both, rangeDoc, { request, refusal: MAY_REFUSE_RANGE, whole, ...extra });
  return [
    r('range-first-bytes', { range: 'bytes=0-99' }),
    r('range-exactly-the-value', { range: `bytes=${cardAt}-${cardAt + 18}` }),
    r('range-suffix', { range: 'bytes=-120' }),
    r('range-open-ended', { range: `bytes=${cardAt}-` }),
    r('range-multiple', { range: `bytes=0-10,${cardAt}-${cardAt + 18}` }),
    r('range-unsatisfiable', { range: 'bytes=99999-' }),
    r('if-range-etag', { range: `bytes=${cardAt}-${cardAt + 40}`, 'if-range': etag }),
    r('if-range-date', { range: `bytes=${cardAt}-${cardAt + 40}`, 'if-range': 'Wed, 21 Oct 2015 07:28:00 GMT' }),
    r('range-gzip-body', { range: 'bytes=0-30' }, { codings: ['gzip'] }),
    r('range-no-accept-ranges', { range: 'bytes=0-99' }, { ranges: false }),
    evasion('upstream-206-unasked', 'range/upstream-206', visa, rangeDoc, { force206: { start: cardAt - 4, end: cardAt + 30 }, refusal: MUST_REFUSE_206 }),
    evasion('upstream-206-whole-range', 'range/upstream-206', both, rangeDoc, { force206: { start: 0, end: body.length - 1 }, refusal: MUST_REFUSE_206 }),
    evasion('upstream-206-multipart', 'range/upstream-206', visa, rangeDoc, { force206: 'multipart', refusal: MUST_REFUSE_206 }),
  ];
}

/**
 * Requests whose answer depends on the unmasked bytes: a 304 or 412 confirms a guess at the body
 * (ETags are often a hash of it), a wanted digest describes it. Never answered from the upstream
 * on a masked connection.
 */
function oracleCases(): EvasionCase[] {
  const etag = etagOf(Buffer.from(rangeDoc.text));
  const both = [visa, mail];
  const o = (id: string, request: Record<string, string>) => evasion(id, 'oracle/conditional', both, rangeDoc, { request, refusal: MAY_REFUSE_RANGE, whole });
  const d = (id: string, request: Record<string, string>) => evasion(id, 'oracle/want-digest', both, rangeDoc, { request, whole });
  return [
    o('oracle-if-none-match-etag', { 'if-none-match': etag }),
    o('oracle-if-none-match-weak', { 'if-none-match': `W/${etag}` }),
    o('oracle-if-none-match-list', { 'if-none-match': `"guess-one", ${etag}, "guess-two"` }),
    o('oracle-if-match-guess', { 'if-match': '"a-guessed-tag"' }),
    d('oracle-want-digest', { 'want-digest': 'sha-256' }),
    d('oracle-want-content-digest', { 'want-content-digest': 'sha-256=1' }),
    d('oracle-want-repr-digest', { 'want-repr-digest': 'sha-256=1' }),
  ];
}

function integrityCases(): EvasionCase[] {
  const doc = json(`card ${groups(MC).join(' ')}`, 'note');
  const i = (id: string, integrity: NonNullable<Parameters<typeof evasion>[4]>['integrity'], extra: Parameters<typeof evasion>[4] = {}) =>
    evasion(id, 'integrity', mc, doc, { integrity, ...extra });
  return [
    i('integrity-etag-strong', ['etag']),
    i('integrity-etag-weak', ['weak-etag']),
    i('integrity-digest', ['digest']),
    i('integrity-content-md5', ['content-md5']),
    i('integrity-content-digest', ['content-digest']),
    i('integrity-repr-digest', ['repr-digest']),
    i('integrity-all', ['etag', 'digest', 'content-md5', 'content-digest', 'repr-digest']),
    i('integrity-all-gzip', ['etag', 'digest', 'content-md5', 'content-digest', 'repr-digest'], { codings: ['gzip'] }),
    i('integrity-all-chunked', ['etag', 'digest', 'content-digest', 'repr-digest'], { chunked: true }),
    evasion('integrity-length-multibyte', 'integrity', card(CARDS.amex, 'amex'), json(`card ${groups(CARDS.amex).join(SEP.ideographic)} ✓ ✓ ✓`, 'note'), { integrity: ['digest'] }),
  ];
}

const CLEAN = rawJson('{"ok":true}');

function headerCases(): EvasionCase[] {
  const h = (id: string, planted: Parameters<typeof evasion>[2], headers: [string, string][], status?: number) =>
    evasion(id, 'header', planted, CLEAN, { headers, ...(status ? { status } : {}) });
  const pct = (s: string) => encodeURIComponent(s);
  return [
    h('header-x-user-email', mail, [['X-User-Email', addr]]),
    h('header-location-card', visa, [['Location', `/payments/done?card=${VISA}&ok=yes`]], 302),
    h('header-location-percent-email', mail, [['Location', `/users/find?mail=${pct(addr)}`]], 303),
    h('header-set-cookie-card', mc, [['Set-Cookie', `last_card=${groups(MC).join('-')}; Path=/; HttpOnly`]]),
    h('header-set-cookie-two', [mail, ssn(SSNS[1])], [['Set-Cookie', `contact=${pct(addr)}; Path=/`], ['Set-Cookie', `tax=${SSNS[1]}; Secure`]]),
    h('header-link-mailto', mail, [['Link', `<mailto:${addr}>; rel="author"`]]),
    h('header-content-disposition', visa, [['Content-Disposition', `attachment; filename="statement-${VISA}.pdf"`]]),
    h('header-debug-token', tokenSecret('ghp', SECRETS.ghp, 4), [['X-Debug-Token', SECRETS.ghp]]),
    h('header-caller-phone', phone(PHONES.gb), [['X-Caller', '+44 20 7946 0958']]),
    h('header-account-iban', iban(IBANS.de), [['X-Account', IBANS.de]]),
    h('header-customer-ssn', ssn(SSNS[3]), [['X-Customer-Ssn', SSNS[3]]]),
    h('header-latin1-nbsp-card', mc, [['X-Card', groups(MC).join('\u00a0')]]),
    h('header-refresh-url', mail, [['Refresh', `0; url=/welcome?u=${addr}`]]),
    evasion('header-and-body', 'header', [visa, mail], json(`card ${VISA}`, 'note'), { headers: [['X-User-Email', addr]] }),
  ];
}

export function httpCases(): EvasionCase[] {
  return [...rangeCases(), ...oracleCases(), ...integrityCases(), ...headerCases()];
}
