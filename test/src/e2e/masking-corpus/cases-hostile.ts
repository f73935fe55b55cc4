import type { EvasionCase } from './corpus.types.js';
import { fullwidth, jsonEscapeAll } from './encode.js';
import { evasion, html, json, MAY_REFUSE_UNREADABLE, rawHtml, rawJson, rawNdjson, rawText, sse, text, xml, type Doc } from './formats.js';
import { card, CARDS, email, groups, jwtSecret, pemSecret, SECRETS } from './values.js';

// What a hostile upstream does around the value rather than to it: labels the body as something
// the gateway might not read, sends it with an error status, in trailers or early hints, at the
// boundaries where a streaming reader cuts, or decorates the digits with marks a reader ignores.

const VISA = CARDS.visa;
const visa = card(VISA, 'visa');
const MC = CARDS.mastercard;
const mc = card(MC, 'mastercard');
const addr = 'quillon.varga@example.com';
const mail = email(addr);
const visaText = `card ${groups(VISA).join(' ')}`;

/** Unicode decorations a reader drops or folds: superscripts, circled digits, marks, selectors, keycaps. */
const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const CIRCLED = '⓪①②③④⑤⑥⑦⑧⑨';
const map = (digits: string, table: string) => [...digits].map((d) => [...table][Number(d)]).join('');

function labelCases(): EvasionCase[] {
  return [
    evasion('mislabel-no-content-type', 'mislabel', visa, text(visaText), { noContentType: true, refusal: MAY_REFUSE_UNREADABLE, format: '(no Content-Type)' }),
    evasion('mislabel-octet-stream', 'mislabel', visa, rawText(`${visaText}\n`, 'application/octet-stream'), { refusal: MAY_REFUSE_UNREADABLE }),
    evasion('mislabel-image-png', 'mislabel', mail, rawText(`mail ${addr}\n`, 'image/png'), { refusal: MAY_REFUSE_UNREADABLE }),
    evasion('mislabel-json-invalid', 'mislabel', visa, rawJson(`{"card":"${VISA}", oops}`), { refusal: MAY_REFUSE_UNREADABLE }),
    evasion('mislabel-ndjson-bad-line', 'mislabel', mc, rawNdjson(`{"n":"one"}\nnot json ${MC}\n`), { refusal: MAY_REFUSE_UNREADABLE }),
    evasion('mislabel-vendor-json', 'json/media-type', visa, rawJson(`{"card":"${VISA}"}`, 'application/vnd.api+json')),
    evasion('mislabel-multipart', 'mislabel', visa, rawText(`--b\r\nContent-Disposition: form-data; name="card"\r\n\r\n${VISA}\r\n--b--\r\n`, 'multipart/form-data; boundary=b'), { refusal: MAY_REFUSE_UNREADABLE, declare: null }),
    evasion('mislabel-yaml', 'mislabel', mail, rawText(`contact:\n  email: ${addr}\n`, 'application/yaml'), { refusal: MAY_REFUSE_UNREADABLE }),
    evasion('mislabel-csv', 'text/other', visa, rawText(`name,card\nJane,${VISA}\n`, 'text/csv')),
    evasion('mislabel-javascript', 'text/other', mail, rawText(`const contact = "${addr}";\n`, 'text/javascript')),
  ];
}

function statusCases(): EvasionCase[] {
  return [
    evasion('status-500-html', 'status', visa, html(`Internal error while charging ${VISA}`), { status: 500 }),
    evasion('status-404-text', 'status', mail, text(`no account for ${addr}`), { status: 404 }),
    evasion('status-400-json', 'status', mc, rawJson(`{"problem":"card ${MC} declined"}`), { status: 400 }),
    evasion('status-201-json', 'status', visa, json(VISA, 'card'), { status: 201 }),
  ];
}

function sideChannelCases(): EvasionCase[] {
  return [
    evasion('trailer-card', 'trailer', visa, text('see trailer'), { trailers: [['X-Card', VISA]] }),
    evasion('trailer-email-digest', 'trailer', mail, json('ok', 'result'), { trailers: [['X-Contact', addr]] }),
    evasion('early-hints-link-mailto', 'early-hints', mail, json('ok', 'result'), { earlyHints: { link: `<mailto:${addr}>; rel="author"` } }),
  ];
}

/** A body that puts the value across a boundary where a chunked reader may cut. */
function boundaryDoc(at: number): Doc {
  const value = groups(VISA).join(' ');
  const head = 'x'.repeat(at - 20 - 'card '.length);
  return rawText(`${head}\ncard ${value}\nend\n`);
}

function boundaryCases(): EvasionCase[] {
  const large = rawJson(`{"rows":[${Array.from({ length: 20_000 }, (_, i) => `{"n":"row","i":"r${'x'.repeat(i % 50)}"}`).join(',')}],"card":"${VISA}"}`);
  const cuts = [16_384, 65_536];
  return [
    ...cuts.map((at) => evasion(`boundary-text-${at}`, 'stream/boundary', visa, boundaryDoc(at), { splitAt: [at] })),
    evasion('boundary-json-large-document', 'stream/boundary', visa, large, { splitAt: [65_536, 131_072, 1 << 20] }),
    evasion('boundary-sse-many-events', 'stream/boundary', mc, sse(`${'data: tick\n\n'.repeat(3000)}data: card ${MC}\n\n`)),
  ];
}

function decorationCases(): EvasionCase[] {
  return [
    evasion('card-superscript-digits', 'card/unicode-digits', visa, text(`card ${map(VISA, SUPERSCRIPT)}`)),
    evasion('card-circled-digits', 'card/unicode-digits', mc, text(`card ${map(MC, CIRCLED)}`)),
    evasion('card-combining-marks', 'card/invisible', visa, text(`card ${[...VISA].map((d) => `${d}\u0301`).join('')}`)),
    evasion('card-variation-selectors', 'card/invisible', mc, text(`card ${[...MC].join('\ufe0f')}`)),
    evasion('card-keycap-digits', 'card/invisible', visa, text(`card ${[...VISA].map((d) => `${d}\ufe0f\u20e3`).join('')}`)),
    evasion('card-json-escaped-math-bold', 'json/escape', mc, rawJson(`{"card":"${jsonEscapeAll([...MC].map((d) => String.fromCodePoint(0x1d7ce + Number(d))).join(''))}"}`)),
    evasion('card-sse-no-space', 'sse', visa, sse(`data:${VISA}\n\n`)),
    evasion('card-sse-bom', 'sse', mc, sse(`\ufeffdata: card ${MC}\n\n`)),
    evasion('card-sse-retry-and-id', 'sse', visa, sse(`retry: 1000\nid: e-one\nevent: card\ndata: ${groups(VISA).join('-')}\n\n`)),
    evasion('card-xml-doctype-entity', 'xml/entity', visa, rawText(`<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY c "${VISA}">]>\n<a>&c;</a>\n`, 'application/xml')),
    evasion('card-html-zero-padded-entities', 'html/entity', mc, html([...MC].map((d) => `&#x000${d.charCodeAt(0).toString(16)};`).join(''))),
    evasion('email-html-zero-padded-at', 'email/entity', mail, html('Write to quillon.varga&#00064;example.com')),
    evasion('email-fullwidth-dots', 'email/fullwidth', mail, text('mail quillon．varga＠example．com')),
    evasion('email-xml-cdata', 'xml/cdata', mail, xml(`<note><![CDATA[mail ${addr}]]></note>`)),
    evasion('email-html-data-attribute-entities', 'email/entity', mail, rawHtml(`<div data-email="quillon.varga&#x40;example.com"></div>\n`)),
    evasion('secret-pem-truncated', 'secret/pem', pemSecret('rsa key', SECRETS.rsaPem.split('\n').slice(0, 8).join('\n')), rawText(`${SECRETS.rsaPem.split('\n').slice(0, 8).join('\n')}\n`)),
    evasion('secret-jwt-in-url', 'secret/jwt', jwtSecret(SECRETS.jwt), html(`<a href="https://app.example.com/callback?id_token=${SECRETS.jwt}">continue</a>`)),
    evasion('card-fullwidth-json-key', 'json/key', visa, rawJson(`{"${fullwidth(VISA)}":"primary"}`)),
  ];
}

export function hostileCases(): EvasionCase[] {
  return [...labelCases(), ...statusCases(), ...sideChannelCases(), ...boundaryCases(), ...decorationCases()];
}
