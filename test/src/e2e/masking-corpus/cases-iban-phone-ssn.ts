import type { EvasionCase } from './corpus.types.js';
import { DIGIT_ZERO, fullwidth, hexEntities, inDigits, percentAll, SEP } from './encode.js';
import { evasion, form, html, json, ndjson, rawJson, sseData, text, xml } from './formats.js';
import { iban, ibanGrouped, IBANS, phone, PHONES, ssn, SSNS } from './values.js';

// IBANs (several countries, compact and grouped, lower case), phone numbers (international with
// every separator, national with context) and US SSNs (formatted, spaced, compact with context).

function ibanCases(): EvasionCase[] {
  const countries = Object.entries(IBANS) as [string, string][];
  const cases = countries.map(([country, value], i) =>
    evasion(`iban-${country}-${i % 2 ? 'compact' : 'grouped'}`, 'iban/country', iban(value), i % 2 ? json(value, 'iban') : text(`IBAN ${ibanGrouped(value)}`)),
  );
  const de = IBANS.de;
  const gb = IBANS.gb;
  cases.push(
    evasion('iban-lower-case', 'iban/case', iban(de), text(`iban ${de.toLowerCase()}`)),
    evasion('iban-lower-grouped', 'iban/case', iban(gb), text(`iban ${ibanGrouped(gb.toLowerCase())}`)),
    evasion('iban-no-context', 'iban/plain', iban(IBANS.fr), text(`pay to ${IBANS.fr}`)),
    evasion('iban-dash-grouped', 'iban/separator', iban(de), text(`IBAN ${ibanGrouped(de, '-')}`)),
    evasion('iban-nbsp-grouped', 'iban/separator', iban(gb), html(`IBAN ${ibanGrouped(gb, '&nbsp;')}`)),
    evasion('iban-narrow-nbsp', 'iban/separator', iban(IBANS.nl), text(`IBAN ${ibanGrouped(IBANS.nl, SEP.narrowNbsp)}`)),
    evasion('iban-fullwidth', 'iban/fullwidth', iban(de), text(`IBAN ${fullwidth(de)}`)),
    evasion('iban-glued', 'iban/glued', iban(IBANS.es), text(`acct:${IBANS.es}/primary`)),
    evasion('iban-ndjson', 'ndjson', iban(IBANS.it), ndjson(`IBAN ${IBANS.it}`)),
    evasion('iban-sse', 'sse', iban(IBANS.ch), sseData(`IBAN ${ibanGrouped(IBANS.ch)}`)),
    evasion('iban-xml', 'xml', iban(IBANS.be), xml(`<iban>${IBANS.be}</iban>`)),
    evasion('iban-form', 'form', iban(de), form(`name=Jane&iban=${ibanGrouped(de, '+')}`)),
    evasion('iban-html-entities', 'html/entity', iban(IBANS.at), html(`IBAN ${hexEntities(IBANS.at)}`)),
    evasion('iban-json-key', 'json/key', iban(IBANS.pl), rawJson(`{"accounts":{"${IBANS.pl}":"primary"}}`)),
  );
  return cases;
}

function phoneCases(): EvasionCase[] {
  const us = PHONES.us;
  const [a, b, c] = [us.nsn.slice(0, 3), us.nsn.slice(3, 6), us.nsn.slice(6)];
  const p = phone(us);
  return [
    evasion('phone-us-e164', 'phone/international', p, text(`call +${us.cc}${us.nsn}`)),
    evasion('phone-us-spaces', 'phone/international', p, text(`call +1 ${a} ${b} ${c}`)),
    evasion('phone-us-dashes', 'phone/international', p, json(`+1-${a}-${b}-${c}`, 'phone')),
    evasion('phone-us-dots', 'phone/international', p, text(`call +1.${a}.${b}.${c}`)),
    evasion('phone-us-parens', 'phone/international', p, text(`call +1 (${a}) ${b}-${c}`)),
    evasion('phone-us-national', 'phone/national', p, text(`phone: (${a}) ${b}-${c}`)),
    evasion('phone-us-national-json', 'phone/national', phone(PHONES.us2), json('(201) 555-0123', 'phone')),
    evasion('phone-us-national-dashes-context', 'phone/national', p, text(`Call me on ${a}-${b}-${c} tomorrow.`)),
    evasion('phone-us-tel-link', 'phone/link', p, html(`<a href="tel:+1${us.nsn}">Call</a>`)),
    evasion('phone-us-00-prefix', 'phone/international', p, text(`call 00 1 ${a} ${b} ${c}`)),
    evasion('phone-gb-spaces', 'phone/international', phone(PHONES.gb), text('call +44 20 7946 0958')),
    evasion('phone-gb-with-trunk-zero', 'phone/international', phone(PHONES.gb), text('tel. (+44) 020 7946 0958')),
    evasion('phone-gb-mobile', 'phone/international', phone(PHONES.gbMobile), json('+44 7457 382916', 'mobile')),
    evasion('phone-de-dashes', 'phone/international', phone(PHONES.de), text('Telefon +49-30-2847-1936')),
    evasion('phone-de-mobile-slash', 'phone/international', phone(PHONES.deMobile), text('Handy +49 1520/4817263')),
    evasion('phone-fr-pairs', 'phone/international', phone(PHONES.fr), text('tél +33 1 45 27 39 61')),
    evasion('phone-fr-dots', 'phone/international', phone(PHONES.frMobile), text('portable +33 6.48.21.93.75')),
    evasion('phone-jp-dashes', 'phone/international', phone(PHONES.jp), text('電話 +81 3-5285-7102')),
    evasion('phone-au', 'phone/international', phone(PHONES.au), ndjson('call +61 2 8015 6237')),
    evasion('phone-in', 'phone/international', phone(PHONES.in), sseData('call +91 98204 17356')),
    evasion('phone-br', 'phone/international', phone(PHONES.br), xml('<phone>+55 11 96283-4417</phone>')),
    evasion('phone-nbsp', 'phone/separator', phone(PHONES.gb), html('call +44&nbsp;20&nbsp;7946&nbsp;0958')),
    evasion('phone-en-dash', 'phone/separator', p, text(`call +1 ${a}${SEP.enDash}${b}${SEP.enDash}${c}`)),
    evasion('phone-fullwidth', 'phone/fullwidth', p, text(`call ${fullwidth(`+1 ${a} ${b} ${c}`)}`)),
    evasion('phone-arabic-digits', 'phone/unicode-digits', phone(PHONES.gb), text(`call +${inDigits('44 20 7946 0958', DIGIT_ZERO.arabicIndic)}`)),
    evasion('phone-form-percent', 'form/percent', p, form(`name=Jane&phone=${percentAll(`+1 ${a} ${b} ${c}`)}`)),
    evasion('phone-json-key-mobile', 'phone/context', p, rawJson(`{"contact":{"mobile":"${a}.${b}.${c}","name":"Jane"}}`)),
  ];
}

function ssnCases(): EvasionCase[] {
  const [s0, s1, s2, s3, s4, s5] = SSNS;
  const compact = (s: string) => s.replace(/-/g, '');
  return [
    evasion('ssn-formatted', 'ssn/formatted', ssn(s0), text(`record ${s0}`)),
    evasion('ssn-formatted-json', 'ssn/formatted', ssn(s1), json(s1, 'taxId')),
    evasion('ssn-spaced', 'ssn/separator', ssn(s2), text(`SSN ${s2.replaceAll('-', ' ')}`)),
    evasion('ssn-compact-context', 'ssn/context', ssn(s3), text(`SSN: ${compact(s3)}`)),
    evasion('ssn-compact-social-security', 'ssn/context', ssn(s4), text(`social security number ${compact(s4)}`)),
    evasion('ssn-en-dash', 'ssn/separator', ssn(s5), text(`SSN ${s5.replaceAll('-', SEP.enDash)}`)),
    evasion('ssn-fullwidth', 'ssn/fullwidth', ssn(s0), text(`SSN ${fullwidth(s0)}`)),
    evasion('ssn-devanagari', 'ssn/unicode-digits', ssn(s1), text(`SSN ${inDigits(s1, DIGIT_ZERO.devanagari)}`)),
    evasion('ssn-html-entities', 'html/entity', ssn(s2), html(`SSN ${hexEntities(s2)}`)),
    evasion('ssn-ndjson', 'ndjson', ssn(s3), ndjson(`ssn ${s3}`)),
    evasion('ssn-sse', 'sse', ssn(s4), sseData(`SSN ${s4}`)),
    evasion('ssn-xml', 'xml', ssn(s5), xml(`<taxpayer ssn="${s5}"/>`)),
    evasion('ssn-form', 'form', ssn(s0), form(`name=Jane&tax=${s0}`)),
    evasion('ssn-json-number-context', 'ssn/context', ssn(s4), rawJson(`{"social_security_number":${compact(s4)}}`)),
  ];
}

export function ibanPhoneSsnCases(): EvasionCase[] {
  return [...ibanCases(), ...phoneCases(), ...ssnCases()];
}
