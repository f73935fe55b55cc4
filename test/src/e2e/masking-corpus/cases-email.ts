import type { EvasionCase } from './corpus.types.js';
import { decimalEntities, fullwidth, hexEntities, interleave, jsonEscapeAll, jsonEscapeSome, percentAll, percentSome, SEP } from './encode.js';
import { evasion, form, html, json, middleOf, ndjson, rawJson, sse, sseData, text, xml } from './formats.js';
import { email } from './values.js';

// E-mail addresses: every spelling a client would still deliver to, in every format. Local parts
// are distinctive (a partial form may keep the domain, never the mailbox).

export function emailCases(): EvasionCase[] {
  const plain = 'quillon.varga@example.com';
  const e = email(plain);
  const plus = email('marisol.tennant+billing@example.org');
  const upper = email('BRONWYN.ASHGROVE@EXAMPLE.NET');
  const unicodeLocal = email('josé.almendro@example.com');
  const idn = email('hesper.quill@bücher.de');
  const puny = email('caspian.wold@xn--bcher-kva.de');
  const quoted = email('"morrow tilde"@example.com');
  const cut = sseData('write to leander.fosse@example.com today');
  return [
    evasion('email-text', 'email/plain', e, text(`mail ${plain}`)),
    evasion('email-json', 'email/plain', e, json(plain, 'contact')),
    evasion('email-plus-tag', 'email/plus-tag', plus, text('mail marisol.tennant+billing@example.org')),
    evasion('email-plus-tag-json', 'email/plus-tag', plus, json('marisol.tennant+billing@example.org', 'contact')),
    evasion('email-upper-case', 'email/case', upper, text('MAIL BRONWYN.ASHGROVE@EXAMPLE.NET')),
    evasion('email-mixed-case', 'email/case', email('Thaddeus.Lorne@Example.COM'), json('Thaddeus.Lorne@Example.COM', 'contact')),
    evasion('email-fullwidth-at', 'email/fullwidth', email('ottilie.brack@example.com'), text('mail ottilie.brack＠example.com')),
    evasion('email-fullwidth-letters', 'email/fullwidth', email('ottilie.brack@example.com'), text(`mail ${fullwidth('ottilie.brack@example.com')}`)),
    evasion('email-small-commercial-at', 'email/fullwidth', email('ottilie.brack@example.com'), text('mail ottilie.brack\ufe6bexample.com')),
    evasion('email-unicode-local', 'email/unicode', unicodeLocal, text('mail josé.almendro@example.com')),
    evasion('email-unicode-local-decomposed', 'email/unicode', unicodeLocal, json('jose\u0301.almendro@example.com', 'contact')),
    evasion('email-cyrillic', 'email/unicode', email('светлана.орлова@пример.рф'), text('почта светлана.орлова@пример.рф')),
    evasion('email-greek-local', 'email/unicode', email('αλέξανδρος.δήμου@example.gr'), json('αλέξανδρος.δήμου@example.gr', 'contact')),
    evasion('email-cjk', 'email/unicode', email('山田太郎さん@例え.jp'), text('連絡先 山田太郎さん@例え.jp')),
    evasion('email-idn-unicode', 'email/idn', idn, text('mail hesper.quill@bücher.de')),
    evasion('email-idn-punycode', 'email/idn', puny, text('mail caspian.wold@xn--bcher-kva.de')),
    evasion('email-quoted-local', 'email/quoted', quoted, text('mail "morrow tilde"@example.com')),
    evasion('email-quoted-local-json', 'email/quoted', quoted, json('"morrow tilde"@example.com', 'contact')),
    evasion('email-display-name', 'email/plain', email('wystan.ferrule@example.com'), text('From: Billing Desk <wystan.ferrule@example.com>')),
    evasion('email-subdomain', 'email/plain', email('rosalind.vey@mail.eu.example.co.uk'), json('rosalind.vey@mail.eu.example.co.uk', 'contact')),
    evasion('email-ip-literal', 'email/plain', email('tamsin.orr@[192.0.2.44]'), text('mail tamsin.orr@[192.0.2.44]')),
    evasion('email-underscore-hyphen', 'email/plain', email('kit_marlowe-dee@example.net'), text('mail kit_marlowe-dee@example.net')),
    evasion('email-percent-at', 'email/percent', email('leander.fosse@example.com'), text(`mail ${percentSome('leander.fosse@example.com', '@')}`)),
    evasion('email-percent-all', 'email/percent', email('leander.fosse@example.com'), text(`mail ${percentAll('leander.fosse@example.com')}`)),
    evasion('email-percent-lower-hex', 'email/percent', email('leander.fosse@example.com'), text('mail leander%2efosse%40example%2ecom')),
    evasion('email-html-decimal-at', 'email/entity', email('perpetua.hale@example.com'), html('Write to perpetua.hale&#64;example.com')),
    evasion('email-html-hex-at', 'email/entity', email('perpetua.hale@example.com'), html('Write to perpetua.hale&#x40;example.com')),
    evasion('email-html-named-commat', 'email/entity', email('perpetua.hale@example.com'), html('Write to perpetua.hale&commat;example&period;com')),
    evasion('email-html-all-entities', 'email/entity', email('perpetua.hale@example.com'), html(`Write to ${decimalEntities('perpetua.hale@example.com')}`)),
    evasion('email-html-mixed-entities', 'email/entity', email('perpetua.hale@example.com'), html(`Write to ${hexEntities('perpetua')}.hale&#64;example.com`)),
    evasion('email-html-mailto', 'email/mailto', email('perpetua.hale@example.com'), html('<a href="mailto:perpetua.hale@example.com?subject=Hi">Write</a>')),
    evasion('email-html-mailto-percent', 'email/mailto', email('perpetua.hale@example.com'), html('<a href="mailto:perpetua.hale%40example.com">Write</a>')),
    evasion('email-html-split-by-tags', 'html/tags', email('perpetua.hale@example.com'), html('Write to <b>perpetua.hale</b>@<i>example.com</i>')),
    evasion('email-json-escaped-at', 'json/escape', e, rawJson(`{"contact":"${jsonEscapeSome(plain, '@')}"}`)),
    evasion('email-json-escaped-all', 'json/escape', e, rawJson(`{"contact":"${jsonEscapeAll(plain)}"}`)),
    evasion('email-json-key', 'json/key', e, rawJson(`{"subscribers":{"${plain}":{"since":"spring"}}}`)),
    evasion('email-json-array', 'json/nested', e, rawJson(`{"to":["a team","${plain}"]}`)),
    evasion('email-ndjson', 'ndjson', e, ndjson(`reply to ${plain}`)),
    evasion('email-sse-data', 'sse', e, sseData(`reply to ${plain}`)),
    evasion('email-sse-json', 'sse', e, sse(`event: user\ndata: {"email":"${plain}"}\n\n`)),
    evasion('email-sse-cut-mid-value', 'stream/cut', email('leander.fosse@example.com'), cut, { splitAt: [middleOf(cut, 'leander.fosse@example.com')] }),
    evasion('email-xml-element', 'xml', e, xml(`<email>${plain}</email>`)),
    evasion('email-xml-attribute-entity', 'xml/entity', e, xml(`<contact email="quillon.varga&#64;example.com"/>`)),
    evasion('email-form-percent', 'form/percent', email('ingrid.solvang@example.com'), form('name=Ingrid&email=ingrid.solvang%40example.com')),
    evasion('email-form-plus-tag', 'form/percent', email('ingrid.solvang+news@example.com'), form('email=ingrid.solvang%2Bnews%40example.com&list=news')),
    evasion('email-soft-hyphen', 'email/invisible', email('ottilie.brack@example.com'), text(`mail ottilie${SEP.softHyphen}.brack@exam${SEP.softHyphen}ple.com`)),
    evasion('email-zwsp-every-char', 'email/invisible', email('ottilie.brack@example.com'), text(`mail ${interleave('ottilie.brack@example.com', SEP.zwsp)}`)),
  ];
}
