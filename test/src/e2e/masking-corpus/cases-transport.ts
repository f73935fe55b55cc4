import { gzipSync } from 'node:zlib';
import type { EvasionCase, ExpectedRefusal } from './corpus.types.js';
import { compress, ebcdic037, encodeText, fullwidth, SEP, shiftJis, utf7 } from './encode.js';
import { evasion, form, html, json, ndjson, rawJson, sseData, text } from './formats.js';
import { card, CARDS, email, fieldValue, groups, iban, IBANS, phone, PHONES, ssn, SSNS, SECRETS, tokenSecret } from './values.js';
import { MAY_REFUSE_UNREADABLE } from './formats.js';

// The same values under every charset and every compression an upstream can send: the gateway
// reads the body as the client will, or refuses it.

const VISA = CARDS.visa;
const visa = card(VISA, 'visa');
const visaText = `card ${groups(VISA).join(' ')}`;
const MC = CARDS.mastercard;
const mc = card(MC, 'mastercard');
const addr = 'quillon.varga@example.com';
const mail = email(addr);

function charsetCases(): EvasionCase[] {
  const s = SSNS[0];
  return [
    evasion('charset-utf8-bom-card', 'charset/utf-8-bom', visa, text(visaText), { charset: 'utf-8-bom' }),
    evasion('charset-utf8-bom-email-json', 'charset/utf-8-bom', mail, json(addr, 'contact'), { charset: 'utf-8-bom' }),
    evasion('charset-utf16le-bom-card', 'charset/utf-16', visa, text(visaText), { charset: 'utf-16le-bom' }),
    evasion('charset-utf16le-bom-email', 'charset/utf-16', mail, text(`mail ${addr}`), { charset: 'utf-16le-bom' }),
    evasion('charset-utf16le-bom-ssn', 'charset/utf-16', ssn(s), text(`SSN ${s}`), { charset: 'utf-16le-bom' }),
    evasion('charset-utf16be-bom-card', 'charset/utf-16', mc, text(`card ${MC}`), { charset: 'utf-16be-bom' }),
    evasion('charset-utf16be-bom-email', 'charset/utf-16', mail, text(`mail ${addr}`), { charset: 'utf-16be-bom' }),
    evasion('charset-utf16le-declared-card', 'charset/utf-16', visa, text(visaText), { charset: 'utf-16le' }),
    evasion('charset-utf16le-declared-iban', 'charset/utf-16', iban(IBANS.de), text(`IBAN ${IBANS.de}`), { charset: 'utf-16le' }),
    evasion('charset-utf16be-declared-email', 'charset/utf-16', mail, text(`mail ${addr}`), { charset: 'utf-16be' }),
    evasion('charset-utf16le-undeclared-card', 'charset/utf-16-undeclared', visa, text(visaText), { charset: 'utf-16le', declare: null }),
    evasion('charset-utf16le-undeclared-email', 'charset/utf-16-undeclared', mail, text(`mail ${addr}`), { charset: 'utf-16le', declare: null }),
    evasion('charset-utf16be-undeclared-card', 'charset/utf-16-undeclared', mc, text(`card ${MC}`), { charset: 'utf-16be', declare: null }),
    evasion('charset-utf16-html', 'charset/utf-16', mail, html(`Write to ${addr}`), { charset: 'utf-16le-bom' }),
    evasion('charset-utf32le-bom-card', 'charset/utf-32', visa, text(visaText), { charset: 'utf-32le-bom' }),
    evasion('charset-utf32be-bom-email', 'charset/utf-32', mail, text(`mail ${addr}`), { charset: 'utf-32be-bom' }),
    evasion('charset-utf32le-declared-phone', 'charset/utf-32', phone(PHONES.gb), text('call +44 20 7946 0958'), { charset: 'utf-32le' }),
    evasion('charset-utf32be-undeclared-card', 'charset/utf-32-undeclared', mc, text(`card ${MC}`), { charset: 'utf-32be', declare: null }),
    evasion('charset-bom-overrides-label', 'charset/bom-wins', visa, text(visaText), { charset: 'utf-16le-bom', declare: 'utf-8' }),
    evasion('charset-windows1252-nbsp', 'charset/windows-1252', visa, text(`card ${groups(VISA).join(SEP.nbsp)}`), { charset: 'windows-1252' }),
    evasion('charset-windows1252-en-dash', 'charset/windows-1252', mc, text(`card ${groups(MC).join('–')}`), { charset: 'windows-1252' }),
    evasion('charset-windows1252-email', 'charset/windows-1252', email('josé.almendro@example.com'), text('mail josé.almendro@example.com'), { charset: 'windows-1252' }),
    evasion('charset-latin1-card', 'charset/latin1', visa, text(`card ${groups(VISA).join(SEP.nbsp)}`), { charset: 'latin1' }),
    evasion('charset-latin1-email', 'charset/latin1', email('josé.almendro@example.com'), text('mail josé.almendro@example.com'), { charset: 'latin1' }),
    evasion('charset-utf16-json', 'charset/json-utf-16', mail, json(addr, 'contact'), { charset: 'utf-16le-bom', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-utf16-json-undeclared', 'charset/json-utf-16', visa, json(VISA, 'card'), { charset: 'utf-16le', declare: null, refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-shift-jis-fullwidth', 'charset/shift-jis', visa, text('x'), { bytes: shiftJis(`card ${groups(fullwidth(VISA)).join('\u3000')}\n`), declare: 'shift_jis', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-ebcdic', 'charset/undecodable', mail, text('x'), { bytes: ebcdic037(`mail ${addr}\n`), declare: 'ibm037', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-utf7', 'charset/undecodable', mail, text('x'), { bytes: Buffer.from(`mail ${utf7(addr)}\n`), declare: 'utf-7', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-unknown-label', 'charset/undecodable', visa, text(visaText), { declare: 'x-portcullis-unknown', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-invalid-utf8', 'charset/undecodable', visa, text('x'), { bytes: Buffer.concat([Buffer.from('\xc3\x28 card ', 'latin1'), Buffer.from(VISA), Buffer.from(' \xff\n', 'latin1')]), refusal: MAY_REFUSE_UNREADABLE }),
    evasion('charset-utf16-lone-surrogate', 'charset/undecodable', mc, text('x'), { bytes: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xd8]), encodeText(`card ${MC}`, 'utf-16le')]), declare: 'utf-16', refusal: MAY_REFUSE_UNREADABLE }),
  ];
}

/** A decoded body past the response limit: refused as too large, or masked whole. */
const MAY_REFUSE_TOO_LARGE: ExpectedRefusal = { allowed: [[502, 'RESPONSE_TOO_LARGE'], [502, 'RESPONSE_NOT_MASKABLE']] };

function compressionCases(): EvasionCase[] {
  const ghp = tokenSecret('ghp', SECRETS.ghp, 4);
  const s = SSNS[2];
  const bomb = Buffer.concat([Buffer.from(`${visaText}\n`), Buffer.alloc(24 << 20, 0x20), Buffer.from(`card ${MC}\n`)]);
  const truncated = gzipSync(Buffer.concat([Buffer.from(`${visaText}\n`), Buffer.alloc(4096, 0x61)]));
  return [
    evasion('gzip-text-card', 'compression/gzip', visa, text(visaText), { codings: ['gzip'] }),
    evasion('gzip-json-email', 'compression/gzip', mail, json(addr, 'contact'), { codings: ['gzip'] }),
    evasion('gzip-html-iban', 'compression/gzip', iban(IBANS.gb), html(`IBAN ${IBANS.gb}`), { codings: ['gzip'] }),
    evasion('gzip-form-password', 'compression/gzip', fieldValue('password', 'Lilac-Tundra-Pulley'), form('user=svc&password=Lilac-Tundra-Pulley'), { codings: ['gzip'] }),
    evasion('gzip-sse-card', 'compression/gzip', mc, sseData(`card ${MC}`), { codings: ['gzip'] }),
    evasion('gzip-utf16-card', 'compression/gzip', visa, text(visaText), { codings: ['gzip'], charset: 'utf-16le-bom' }),
    evasion('gzip-header-upper-case', 'compression/gzip', visa, text(visaText), { codings: ['gzip'], encodingHeader: 'GZIP' }),
    evasion('gzip-x-gzip-alias', 'compression/gzip', mc, text(`card ${MC}`), { codings: ['gzip'], encodingHeader: 'x-gzip' }),
    evasion('deflate-zlib-json-card', 'compression/deflate', visa, json(VISA, 'card'), { codings: ['deflate'] }),
    evasion('deflate-raw-text-email', 'compression/deflate', mail, text(`mail ${addr}`), { codings: ['deflate-raw'] }),
    evasion('deflate-zlib-ssn', 'compression/deflate', ssn(s), text(`SSN ${s}`), { codings: ['deflate'] }),
    evasion('br-json-ssn', 'compression/br', ssn(s), json(s, 'taxId'), { codings: ['br'] }),
    evasion('br-text-secret', 'compression/br', ghp, text(`token ${SECRETS.ghp}`), { codings: ['br'] }),
    evasion('br-ndjson-phone', 'compression/br', phone(PHONES.us), ndjson('call +1 415 555 2671'), { codings: ['br'] }),
    evasion('br-json-card-number', 'compression/br', mc, rawJson(`{"card":${MC}}`), { codings: ['br'] }),
    evasion('stacked-gzip-br-card', 'compression/stacked', visa, json(VISA, 'card'), { codings: ['gzip', 'br'] }),
    evasion('stacked-deflate-gzip-email', 'compression/stacked', mail, text(`mail ${addr}`), { codings: ['deflate', 'gzip'] }),
    evasion('stacked-br-gzip-secret', 'compression/stacked', ghp, json(SECRETS.ghp, 'token'), { codings: ['br', 'gzip'] }),
    evasion('stacked-gzip-gzip-card', 'compression/stacked', mc, text(`card ${MC}`), { codings: ['gzip', 'gzip'] }),
    evasion('identity-coding-explicit', 'compression/identity', visa, text(visaText), { encodingHeader: 'identity' }),
    evasion('gzip-inside-undeclared', 'compression/hidden', visa, text('x'), { bytes: gzipSync(Buffer.from(visaText)), codings: ['gzip'], refusal: MAY_REFUSE_UNREADABLE }),
    evasion('coding-unknown', 'compression/unknown', visa, text(visaText), { encodingHeader: 'x-portcullis-custom', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('coding-compress', 'compression/unknown', mc, text(`card ${MC}`), { encodingHeader: 'compress', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('coding-zstd-label', 'compression/unknown', visa, text(visaText), { encodingHeader: 'zstd', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('gzip-corrupt', 'compression/corrupt', visa, text(visaText), { encodingHeader: 'gzip', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('gzip-truncated', 'compression/corrupt', visa, text('x'), { bytes: truncated.subarray(0, truncated.length - 12), encodingHeader: 'gzip', refusal: MAY_REFUSE_UNREADABLE }),
    evasion('gzip-bomb-over-limit', 'compression/bomb', [visa, mc], text('x'), { bytes: compress(bomb, 'gzip'), encodingHeader: 'gzip', refusal: MAY_REFUSE_TOO_LARGE }),
  ];
}

export function transportCases(): EvasionCase[] {
  return [...charsetCases(), ...compressionCases()];
}
