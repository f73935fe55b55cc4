import type { EvasionCase } from './corpus.types.js';
import { evasion, form, rawJson, rawNdjson, sse } from './formats.js';
import { fieldValue } from './values.js';

// Field rules (password, ssn, secret): the value under the name is masked whatever it is (a
// string no detector knows, a number, an object, an array), the name matched in any case and
// however it is escaped, wherever structure exists (JSON, NDJSON, form).

const V = {
  p1: 'Velvet-Ostrich-Lantern',
  p2: 'Marzipan-Glacier-Kettle',
  p3: 'Quarry-Nightjar-Thimble',
  p4: 'Saffron-Bellows-Orchard',
  n1: '70412286',
  s1: 'Cobalt-Heron-Whistle',
  s2: 'Juniper-Anvil-Meadow',
};

export function fieldCases(): EvasionCase[] {
  const f = (label: string, value: string) => fieldValue(label, value);
  return [
    evasion('field-json-password', 'field/json', f('password', V.p1), rawJson(`{"user":"svc","password":"${V.p1}"}`)),
    evasion('field-json-password-capital', 'field/json-case', f('Password', V.p2), rawJson(`{"user":"svc","Password":"${V.p2}"}`)),
    evasion('field-json-password-upper', 'field/json-case', f('PASSWORD', V.p3), rawJson(`{"PASSWORD":"${V.p3}"}`)),
    evasion('field-json-password-mixed', 'field/json-case', f('pAsSwOrD', V.p4), rawJson(`{"pAsSwOrD":"${V.p4}"}`)),
    evasion('field-json-password-escaped-key', 'field/json-escape', f('pass\\u0077ord', V.p1), rawJson(`{"pass\\u0077ord":"${V.p1}"}`)),
    evasion('field-json-password-number', 'field/json-type', f('password number', V.n1), rawJson(`{"password":${V.n1}}`)),
    evasion('field-json-ssn-number', 'field/json-type', f('ssn number', '536228147'), rawJson('{"name":"Jane","ssn":536228147}')),
    evasion('field-json-ssn-string-upper-key', 'field/json-case', f('SSN', '219-38-4410'), rawJson('{"SSN":"219-38-4410"}')),
    evasion('field-json-secret-object', 'field/json-type', [f('secret object', V.s1), f('secret object', V.s2)], rawJson(`{"secret":{"primary":"${V.s1}","backup":{"value":"${V.s2}"}}}`)),
    evasion('field-json-secret-array', 'field/json-type', [f('secret array', V.s1), f('secret array', V.s2)], rawJson(`{"Secret":["${V.s1}",["${V.s2}"]]}`)),
    evasion('field-json-secret-escaped-value', 'field/json-escape', f('secret', V.s2), rawJson(`{"secret":"${[...V.s2].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`)),
    evasion('field-json-nested-deep', 'field/json-nested', f('nested password', V.p3), rawJson(`{"a":{"b":[{"c":{"d":[{"password":"${V.p3}"}]}}]}}`)),
    evasion('field-json-array-of-users', 'field/json-nested', [f('password', V.p1), f('password', V.p2)], rawJson(`[{"user":"a","password":"${V.p1}"},{"user":"b","password":"${V.p2}"}]`)),
    evasion('field-json-duplicate-keys', 'field/json-duplicate', [f('first password', V.p4), f('second password', V.p1)], rawJson(`{"password":"${V.p4}","password":"${V.p1}"}`)),
    evasion('field-ndjson-password', 'field/ndjson', f('password', V.p2), rawNdjson(`{"n":"one"}\n{"user":"svc","password":"${V.p2}"}\n`)),
    evasion('field-ndjson-ssn-number', 'field/ndjson', f('ssn', '472610935'), rawNdjson(`{"ssn":472610935}\n{"n":"two"}\n`)),
    evasion('field-sse-json-password', 'field/sse-json', f('password', V.p3), sse(`event: login\ndata: {"user":"svc","password":"${V.p3}"}\n\n`)),
    evasion('field-form-password-upper', 'field/form', f('PASSWORD', V.p4), form(`user=svc&PASSWORD=${V.p4}`)),
    evasion('field-form-name-percent', 'field/form', f('pass%77ord', V.p1), form(`user=svc&pass%77ord=${V.p1}`)),
    evasion('field-form-value-plus', 'field/form', f('password with spaces', V.p2.replaceAll('-', ' ')), form(`password=${V.p2.replaceAll('-', '+')}`)),
    evasion('field-form-secret', 'field/form', f('secret', V.s1), form(`secret=${V.s1}&next=home`)),
    evasion('field-form-ssn', 'field/form', f('ssn', '651072286'), form('name=Jane&ssn=651072286')),
  ];
}
