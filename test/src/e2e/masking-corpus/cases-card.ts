import type { EvasionCase } from './corpus.types.js';
import { DIGIT_ZERO, decimalEntities, entitiesNoSemicolon, fullwidth, hexEntities, inDigits, interleave, jsonEscapeAll, percentAll, SEP } from './encode.js';
import { evasion, form, html, json, middleOf, ndjson, rawHtml, rawJson, rawNdjson, sse, sseData, text, xml } from './formats.js';
import { card, CARDS, groups } from './values.js';

// Payment cards: every issuer, every separator, glued to letters, in every script's digits, as
// JSON numbers in every notation, and in every format the gateway reads.

const ISSUERS = Object.entries(CARDS) as [keyof typeof CARDS, string][];

function issuerCases(): EvasionCase[] {
  return ISSUERS.map(([name, digits], i) => {
    const written = i % 2 === 0 ? groups(digits).join(' ') : digits;
    return evasion(`card-issuer-${name}`, 'card/issuer', card(digits, name), i % 3 === 0 ? text(`card ${written}`) : json(written, 'card'));
  });
}

const MC = CARDS.mastercard;
const mc = card(MC, 'mastercard');
const VISA = CARDS.visa;
const visa = card(VISA, 'visa');

/** One separator between the groups of four. */
const SEPARATORS: [string, string][] = [
  ['space', ' '],
  ['dash', '-'],
  ['dot', '.'],
  ['slash', '/'],
  ['underscore', '_'],
  ['nbsp', SEP.nbsp],
  ['narrow-nbsp', SEP.narrowNbsp],
  ['thin-space', SEP.thin],
  ['ideographic-space', SEP.ideographic],
  ['figure-space', SEP.figureSpace],
  ['en-dash', SEP.enDash],
  ['em-dash', SEP.emDash],
  ['minus-sign', SEP.minus],
  ['double-space', '  '],
  ['space-dash-space', ' - '],
  ['tab', '\t'],
  ['newline', '\n'],
  ['crlf', '\r\n'],
  ['comma', ','],
];

function separatorCases(): EvasionCase[] {
  const cases = SEPARATORS.map(([name, sep]) => evasion(`card-sep-${name}`, 'card/separator', mc, text(`card ${groups(MC).join(sep)}`)));
  const g = groups(VISA);
  cases.push(
    evasion('card-sep-mixed', 'card/separator', visa, text(`card ${g[0]} ${g[1]}-${g[2]}.${g[3]}`)),
    evasion('card-sep-mixed-unicode', 'card/separator', visa, text(`card ${g[0]}${SEP.nbsp}${g[1]}${SEP.enDash}${g[2]}${SEP.thin}${g[3]}`)),
    evasion('card-sep-repeated', 'card/separator', visa, text(`card ${g.join(' -- ')}`)),
    evasion('card-sep-single-digits-spaced', 'card/separator', visa, text(`card ${interleave(VISA, ' ')}`)),
    evasion('card-sep-single-digits-dashed', 'card/separator', mc, text(`card ${interleave(MC, '-')}`)),
    evasion('card-sep-pairs', 'card/separator', mc, text(`card ${MC.match(/../g)!.join(' ')}`)),
    evasion('card-sep-threes', 'card/separator', visa, text(`card ${VISA.match(/.{1,3}/g)!.join('.')}`)),
    evasion('card-sep-uneven', 'card/separator', visa, text(`card ${VISA.slice(0, 5)} ${VISA.slice(5, 11)} ${VISA.slice(11)}`)),
    evasion('card-sep-amex-465', 'card/separator', card(CARDS.amex, 'amex'), text(`card ${groups(CARDS.amex).join('-')}`)),
    evasion('card-sep-diners-464', 'card/separator', card(CARDS.diners, 'diners'), text(`card ${groups(CARDS.diners).join(' ')}`)),
    evasion('card-sep-zwsp-every-digit', 'card/invisible', mc, text(`card ${interleave(MC, SEP.zwsp)}`)),
    evasion('card-sep-soft-hyphen', 'card/invisible', visa, text(`card ${interleave(VISA, SEP.softHyphen)}`)),
    evasion('card-sep-word-joiner', 'card/invisible', mc, text(`card ${groups(MC).join(SEP.wordJoiner)}`)),
    evasion('card-sep-zwnj-in-group', 'card/invisible', visa, text(`card ${g.map((x) => x.slice(0, 2) + SEP.zwnj + x.slice(2)).join(' ')}`)),
    evasion('card-sep-bom-inside', 'card/invisible', mc, text(`card ${groups(MC).join(SEP.bom)}`)),
  );
  return cases;
}

function gluedCases(): EvasionCase[] {
  return [
    evasion('card-glued-visa-prefix', 'card/glued', visa, text(`VISA${VISA}`)),
    evasion('card-glued-exp-suffix', 'card/glued', mc, text(`${MC}exp12/30`)),
    evasion('card-glued-hash', 'card/glued', visa, text(`card#${VISA}`)),
    evasion('card-glued-letters-both-sides', 'card/glued', mc, text(`ref${MC}x`)),
    evasion('card-glued-snake-case', 'card/glued', visa, json(`card_${VISA}_primary`, 'handle')),
    evasion('card-glued-cvv-after', 'card/glued', mc, text(`${groups(MC).join(' ')}cvv`)),
  ];
}

function scriptCases(): EvasionCase[] {
  const cases = (Object.entries(DIGIT_ZERO) as [string, number][]).map(([script, zero]) =>
    evasion(`card-digits-${script}`, 'card/unicode-digits', visa, text(`card ${groups(inDigits(VISA, zero)).join(' ')}`)),
  );
  const g = groups(MC);
  cases.push(
    evasion('card-digits-mixed-scripts', 'card/unicode-digits', mc, text(`card ${g[0]} ${inDigits(g[1]!, DIGIT_ZERO.fullwidth)} ${inDigits(g[2]!, DIGIT_ZERO.arabicIndic)} ${inDigits(g[3]!, DIGIT_ZERO.mathBold)}`)),
    evasion('card-digits-fullwidth-compact-json', 'card/unicode-digits', mc, json(fullwidth(MC), 'card')),
    evasion('card-digits-fullwidth-ideographic-space', 'card/unicode-digits', visa, text(`card ${groups(fullwidth(VISA)).join(SEP.ideographic)}`)),
  );
  return cases;
}

/** A card as a JSON number, in every notation a JSON writer may use. */
function jsonNumberCases(): EvasionCase[] {
  const u = CARDS.unionpay19;
  const n = (body: string) => rawJson(body);
  return [
    evasion('card-json-number', 'card/json-number', visa, n(`{"id":"c-abc","card":${VISA}}`)),
    evasion('card-json-number-fraction', 'card/json-number', visa, n(`{"card":${VISA}.0}`)),
    evasion('card-json-number-exponent', 'card/json-number', visa, n(`{"card":${VISA[0]}.${VISA.slice(1)}e15}`)),
    evasion('card-json-number-exponent-upper-plus', 'card/json-number', mc, n(`{"card":${MC[0]}.${MC.slice(1)}E+15}`)),
    evasion('card-json-number-negative-exponent', 'card/json-number', mc, n(`{"card":${MC}0e-1}`)),
    evasion('card-json-number-fraction-exponent', 'card/json-number', visa, n(`{"card":0.${VISA}e16}`)),
    evasion('card-json-number-beyond-2-53', 'card/json-number', card(u, 'unionpay19'), n(`{"card":${u}}`)),
    evasion('card-json-number-negative', 'card/json-number', visa, n(`{"card":-${VISA}}`)),
    evasion('card-json-number-in-array', 'card/json-number', mc, n(`{"cards":[${MC}],"count":"one"}`)),
    evasion('card-json-number-top-level', 'card/json-number', visa, n(`${VISA}`)),
  ];
}

function jsonCases(): EvasionCase[] {
  const deep = (inner: string, depth: number) => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
  return [
    evasion('card-json-key', 'json/key', mc, rawJson(`{"cards":{"${MC}":{"holder":"Jane"}}}`)),
    evasion('card-json-key-grouped', 'json/key', visa, rawJson(`{"${groups(VISA).join(' ')}":"primary"}`)),
    evasion('card-json-nested-deep', 'json/nested', visa, rawJson(deep(`{"card":"${VISA}"}`, 40))),
    evasion('card-json-array-of-arrays', 'json/nested', mc, rawJson(`[[["x",["${groups(MC).join('-')}"]]]]`)),
    evasion('card-json-unicode-escapes', 'json/escape', visa, rawJson(`{"card":"${jsonEscapeAll(VISA)}"}`)),
    evasion('card-json-escaped-nbsp', 'json/escape', mc, rawJson(`{"card":"${groups(MC).join('\\u00a0')}"}`)),
    evasion('card-json-escaped-en-dash', 'json/escape', visa, rawJson(`{"card":"${groups(VISA).join('\\u2013')}"}`)),
    evasion('card-json-escaped-slash', 'json/escape', mc, rawJson(`{"card":"${groups(MC).join('\\/')}"}`)),
    evasion('card-json-escaped-newline', 'json/escape', visa, rawJson(`{"card":"${groups(VISA).join('\\n')}"}`)),
    evasion('card-json-escaped-fullwidth', 'json/escape', mc, rawJson(`{"card":"${jsonEscapeAll(fullwidth(MC))}"}`)),
    evasion('card-json-cut-across-writes', 'stream/cut', visa, json(VISA, 'card'), { splitAt: [middleOf(json(VISA, 'card'), VISA)] }),
    evasion('card-json-ld', 'json/media-type', mc, rawJson(`{"@context":"https://schema.org","paymentMethodId":"${MC}"}`, 'application/ld+json')),
    evasion('card-json-problem', 'json/media-type', visa, rawJson(`{"title":"declined","detail":"card ${VISA} declined"}`, 'application/problem+json')),
  ];
}

function streamCases(): EvasionCase[] {
  const g = groups(VISA);
  const cut = sseData(groups(MC).join(' '));
  return [
    evasion('card-ndjson', 'ndjson', visa, ndjson(`card ${VISA}`)),
    evasion('card-ndjson-number', 'ndjson', mc, rawNdjson(`{"n":"one"}\n{"card":${MC}}\n`)),
    evasion('card-ndjson-crlf-cut', 'ndjson', visa, rawNdjson(`{"n":"one"}\r\n{"card":"${VISA}"}\r\n`), { splitAt: [16] }),
    evasion('card-sse-data', 'sse', visa, sseData(`card ${groups(VISA).join(' ')}`)),
    evasion('card-sse-two-data-lines', 'sse', visa, sse(`event: note\ndata: card ${g[0]} ${g[1]}\ndata: ${g[2]} ${g[3]}\n\n`)),
    evasion('card-sse-json-data', 'sse', mc, sse(`event: payment\ndata: {"card":"${MC}","status":"ok"}\n\n`)),
    evasion('card-sse-json-number', 'sse', visa, sse(`data: {"card":${VISA}}\n\n`)),
    evasion('card-sse-comment', 'sse', mc, sse(`: debug card ${MC}\ndata: ok\n\n`)),
    evasion('card-sse-crlf', 'sse', visa, sse(`event: note\r\ndata: card ${VISA}\r\n\r\n`)),
    evasion('card-sse-cr-only', 'sse', mc, sse(`data: card ${MC}\r\r`)),
    evasion('card-sse-cut-mid-value', 'stream/cut', mc, cut, { splitAt: [middleOf(cut, groups(MC).join(' '))] }),
    evasion('card-sse-id-field', 'sse', visa, sse(`id: ${VISA}\ndata: ok\n\n`)),
  ];
}

function markupCases(): EvasionCase[] {
  const g = groups(MC);
  const v = groups(VISA);
  return [
    evasion('card-html-text', 'html', visa, html(`Card ${v.join(' ')}`)),
    evasion('card-html-decimal-entities', 'html/entity', mc, html(`Card ${decimalEntities(MC)}`)),
    evasion('card-html-hex-entities', 'html/entity', visa, html(`Card ${hexEntities(VISA)}`)),
    evasion('card-html-entities-no-semicolon', 'html/entity', mc, html(`Card ${entitiesNoSemicolon(MC)}.`)),
    evasion('card-html-named-nbsp', 'html/entity', visa, html(`Card ${v.join('&nbsp;')}`)),
    evasion('card-html-named-ndash', 'html/entity', mc, html(`Card ${g.join('&ndash;')}`)),
    evasion('card-html-split-by-tags', 'html/tags', visa, html(`Card ${v[0]}<b>${v[1]}</b><i>${v[2]}</i>${v[3]}`)),
    evasion('card-html-split-by-span-per-digit', 'html/tags', mc, html(`Card ${[...MC].map((d) => `<span>${d}</span>`).join('')}`)),
    evasion('card-html-attribute', 'html/attribute', [visa, mc], html(`<a href="#" data-card="${VISA}" title="Card ${g.join(' ')}">pay</a>`)),
    evasion('card-html-comment', 'html/comment', mc, html(`Card on file<!-- ${MC} -->`)),
    evasion('card-html-script-json', 'html/script', visa, rawHtml(`<!DOCTYPE html><html><body><script type="application/json">{"card":"${VISA}"}</script></body></html>\n`)),
    evasion('card-html-textarea', 'html', mc, html(`<textarea name="n">${g.join(' ')}</textarea>`)),
    evasion('card-xml-element', 'xml', visa, xml(`<card>${VISA}</card>`)),
    evasion('card-xml-attribute', 'xml/attribute', mc, xml(`<card number="${g.join(' ')}"/>`)),
    evasion('card-xml-cdata', 'xml/cdata', visa, xml(`<note><![CDATA[card ${v.join('-')}]]></note>`)),
    evasion('card-xml-entities', 'xml/entity', mc, xml(`<card>${hexEntities(MC)}</card>`)),
    evasion('card-xml-split-cdata', 'xml/cdata', visa, xml(`<card>${v[0]}${v[1]}<![CDATA[${v[2]}]]>${v[3]}</card>`)),
    evasion('card-text-xml-media-type', 'xml', mc, xml(`<card>${MC}</card>`, 'text/xml')),
  ];
}

function encodedTextCases(): EvasionCase[] {
  const g = groups(VISA);
  return [
    evasion('card-form-value', 'form', visa, form(`name=Jane&card=${VISA}&plan=gold`)),
    evasion('card-form-percent-spaces', 'form/percent', mc, form(`name=Jane&card=${groups(MC).join('%20')}`)),
    evasion('card-form-plus-spaces', 'form/plus', visa, form(`name=Jane&card=${g.join('+')}`)),
    evasion('card-form-percent-digits', 'form/percent', mc, form(`card=${percentAll(MC)}`)),
    evasion('card-form-key', 'form/key', visa, form(`${VISA}=primary&plan=gold`)),
    evasion('card-text-percent-encoded', 'text/percent', mc, text(percentAll(groups(MC).join(' ')))),
    evasion('card-text-percent-separators', 'text/percent', visa, text(g.join('%2D'))),
    evasion('card-text-percent-nbsp', 'text/percent', mc, text(groups(MC).join('%C2%A0'))),
  ];
}

export function cardCases(): EvasionCase[] {
  return [...issuerCases(), ...separatorCases(), ...gluedCases(), ...scriptCases(), ...jsonNumberCases(), ...jsonCases(), ...streamCases(), ...markupCases(), ...encodedTextCases()];
}
