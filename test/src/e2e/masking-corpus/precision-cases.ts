import type { PrecisionCase } from './corpus.types.js';
import { form, html, json, ndjson, precision, rawHtml, rawJson, rawText, sseData, text, xml, type Doc } from './formats.js';
import { IBANS, luhnComplete, luhnValid, seeded } from './values.js';

// The precision set: things that look like planted values and are not (order references,
// timestamps, epochs, UUIDs, Luhn-invalid numbers, Luhn-valid numbers outside every issuer range,
// versions, addresses, ISBNs, tracking numbers, prices, prose, code, base64, hashes, CSS at-rules,
// mentions, asset names, npm scopes, postcodes, dates, coordinates, invalid SSNs and IBANs). Each
// must come back unchanged.

const r = seeded(0x5eed);

/** A 16-digit number with a card prefix whose check digit is wrong. */
function luhnInvalid(prefix: string): string {
  const valid = luhnComplete(prefix, 16, r);
  const broken = valid.slice(0, -1) + String((Number(valid.slice(-1)) + 3) % 10);
  if (luhnValid(broken)) throw new Error('unreachable');
  return broken;
}

/** A UUID whose first sixteen digits are a Luhn-valid number with a Visa prefix. */
function digitUuid(): string {
  const d = luhnComplete('4', 16, r) + luhnComplete('8', 16, r);
  return `${d.slice(0, 8)}-${d.slice(8, 12)}-${d.slice(12, 16)}-${d.slice(16, 20)}-${d.slice(20, 32)}`;
}

const brokenIban = IBANS.de.slice(0, -1) + String((Number(IBANS.de.slice(-1)) + 1) % 10);

/** Look-alikes by class; each is served in JSON and in text, some in more formats. */
export const ITEMS: Readonly<Record<string, readonly string[]>> = {
  'order-ref': ['ORD-2024-000123456', 'PO#4500012345', 'SO-77812-B', 'Order 1002345678 shipped'],
  invoice: ['INV-20240315-0042', 'Invoice No. 2024/000871', 'RE-2023-11-004711'],
  timestamp: [
    '2024-03-15T12:34:56Z',
    '2024-03-15T12:34:56.789+01:00',
    '2024-03-15 12:34:56.123456',
    'Fri, 15 Mar 2024 12:34:56 GMT',
    '15/Mar/2024:12:34:56 +0000',
    'Mar 15 12:34:56',
    '20240315123456',
    '20240315T123456Z',
  ],
  epoch: ['1710505696', '1710505696123', '1710505696123456', '1710505696123456789'],
  uuid: ['f47ac10b-58cc-4372-a567-0e02b2c3d479', digitUuid(), digitUuid().toUpperCase(), '00000000-0000-0000-0000-000000000000'],
  'luhn-invalid': [luhnInvalid('4556'), luhnInvalid('5425').replace(/(\d{4})(?=\d)/g, '$1 '), luhnInvalid('3782').slice(0, 15), luhnInvalid('6011').replace(/(\d{4})(?=\d)/g, '$1-')],
  'luhn-valid-no-issuer': [luhnComplete('9', 16, r), luhnComplete('1', 16, r), luhnComplete('7', 16, r), luhnComplete('4', 17, r), luhnComplete('80', 16, r)],
  version: ['1.2.3', 'v10.24.1', '2.0.0-rc.1+build.5114', '4.1.1.1', '10.0.19045.3693', 'Chrome/120.0.6099.109'],
  ip: ['192.168.100.200', '10.0.0.1:8080', '2001:db8:85a3::8a2e:370:7334', '::ffff:192.0.2.128'],
  isbn: ['978-0-306-40615-7', '0-306-40615-2', 'ISBN 9780306406157'],
  tracking: ['1Z999AA10123456784', '9400111899223100000000', 'JD014600006281230701'],
  price: ['$4,111.11', '€ 1.234,56', '1 234 567,89 ₽', 'USD 12,345,678.90'],
  'git-sha': ['e83c5163316f89bfbde7d9ab23ca2e25604af290', 'commit e83c516'],
  'css-at-rule': ['@media screen and (max-width: 600px) { .a { color: red } }', '@import url("theme.css");'],
  mention: ['thanks @octocat and @jane-doe', 'cc @john.doe on this'],
  'asset-name': ['logo@2x.png', 'icon@3x.webp', 'hero@1.5x.jpg'],
  'npm-scope': ['@scope/pkg@1.2.3', 'npm i @babel/core@7.24.0'],
  postcode: ['94103', '94103-1234', 'SW1A 1AA', '10115 Berlin'],
  date: ['2024-03-15', '03/15/2024', '15.03.2024', 'March 15, 2024'],
  coordinates: ['37.7749, -122.4194', '51°30′26″N 0°7′39″W', 'geo:48.8584,2.2945'],
  'ssn-invalid': ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000'],
  'iban-invalid': [brokenIban, 'ZZ12345678901234567890'],
  'not-a-secret': ['the bearer of this letter', 'ghp_ is how GitHub tokens start', 'api_key: YOUR_API_KEY', 'password reset link sent'],
  'not-an-address': ['foo@bar', 'meet at 5pm @ the cafe', 'v1.2@beta'],
};

const PROSE = [
  'The committee met on the fifteenth of March to review the quarterly figures. Revenue rose by four per cent, while costs stayed flat; the board approved the budget for the next two years.',
  'Please find attached the minutes of our meeting. Items 1 to 12 were agreed; item 13 is deferred to the next session on 2 April at 10:30.',
  'In 1969, Apollo 11 landed on the Moon. Neil Armstrong and Buzz Aldrin spent about 21 hours on the lunar surface, and 600 million people watched.',
  'Our support team answers within 24 hours, 7 days a week. For urgent matters, reply to this message with the word URGENT in the subject.',
];

const CODE = {
  js: 'export function total(items) {\n  // 4111 is a sentinel, not a card\n  return items.reduce((sum, { price, qty = 1 }) => sum + price * qty, 0);\n}\nconst MAX = 9007199254740993n;\n',
  python: '@app.route("/users/<int:user_id>")\ndef show(user_id: int) -> dict:\n    return {"id": user_id, "ratio": 1.5e-3, "limit": 4096}\n',
  sql: "SELECT id, created_at FROM orders WHERE id = 4111 AND total > 1234.56 ORDER BY created_at DESC LIMIT 50;\n",
  css: '@media (min-width: 768px) {\n  .grid { grid-template-columns: repeat(12, 1fr); gap: 16px; }\n}\n@font-face { font-family: "Inter"; src: url("inter@2x.woff2"); }\n',
};

const BASE64_TEXT = Buffer.from('The quick brown fox jumps over the lazy dog, again and again, for testing.').toString('base64');
const BASE64_RANDOM = Buffer.from(Array.from({ length: 48 }, () => Math.floor(r() * 256))).toString('base64');

function itemCases(): PrecisionCase[] {
  const cases: PrecisionCase[] = [];
  let n = 0;
  const extra: ((v: string) => Doc)[] = [(v) => html(v.replaceAll('&', '&amp;').replaceAll('<', '&lt;')), (v) => ndjson(v), (v) => sseData(v), (v) => xml(`<ref>${v.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</ref>`), (v) => form(`ref=${encodeURIComponent(v)}&page=two`)];
  for (const [klass, values] of Object.entries(ITEMS)) {
    values.forEach((value, i) => {
      cases.push(precision(`p-${klass}-${i}-json`, klass, json(value, 'ref')));
      cases.push(precision(`p-${klass}-${i}-text`, klass, text(value)));
      if (i === 0) cases.push(precision(`p-${klass}-${i}-more`, klass, extra[n++ % extra.length]!(value)));
    });
  }
  return cases;
}

function numberCases(): PrecisionCase[] {
  const j = (id: string, klass: string, body: string) => precision(id, klass, rawJson(body));
  return [
    j('p-json-epoch-micros-number', 'epoch', '{"ts":1710505696123456,"unit":"us"}'),
    j('p-json-epoch-nanos-number', 'epoch', '{"ts":1710505696123456789}'),
    j('p-json-luhn-invalid-number', 'luhn-invalid', `{"id":${luhnInvalid('4716')}}`),
    j('p-json-luhn-valid-no-issuer-number', 'luhn-valid-no-issuer', `{"id":${luhnComplete('9', 16, r)}}`),
    j('p-json-big-decimal', 'number', '{"amount":12345678901234567890.123456789,"ratio":1e-7}'),
    j('p-json-float-exponent', 'number', '{"avogadro":6.02214076e23,"planck":6.62607015e-34}'),
    j('p-json-negative-ids', 'number', '{"offsets":[-1234567890123,-4096,0,4096]}'),
    j('p-json-oauth-token-type', 'not-a-secret', '{"token_type":"Bearer","expires_in":3600,"scope":"read write"}'),
    j('p-json-key-value', 'not-a-secret', '{"key":"value","keys":["a","b"],"apiVersion":"2024-01-01"}'),
    j('p-json-base64-text', 'base64', `{"attachment":"${BASE64_TEXT}"}`),
    j('p-json-base64-random', 'base64', `{"thumbnail":"${BASE64_RANDOM}"}`),
    j('p-json-hex-colours', 'hex', '{"palette":["#ff8800","#00aaff","#123456"]}'),
    j('p-json-nested-clean', 'json', '{"a":{"b":[{"c":{"d":[1,2,3,{"e":"f"}]}}]},"unicode":"caf\\u00e9 na\\u00efve \\ud83d\\ude00"}'),
    j('p-json-pretty', 'json', '{\n  "order": "ORD-2024-000123456",\n  "items": [\n    { "sku": "A-100", "qty": 2 }\n  ]\n}\n'),
  ];
}

function documentCases(): PrecisionCase[] {
  const cases = PROSE.map((p, i) => precision(`p-prose-${i}`, 'prose', rawText(`${p}\n`)));
  cases.push(
    precision('p-prose-html', 'prose', rawHtml(`<!DOCTYPE html>\n<html><body>\n${PROSE.map((p) => `<p>${p}</p>`).join('\n')}\n</body></html>\n`)),
    precision('p-prose-json', 'prose', json(PROSE.join(' '), 'body')),
    precision('p-code-js', 'code', rawText(CODE.js, 'text/javascript')),
    precision('p-code-python', 'code', rawText(CODE.python)),
    precision('p-code-sql', 'code', rawText(CODE.sql)),
    precision('p-code-css', 'css-at-rule', rawText(CODE.css, 'text/css')),
    precision('p-code-json-snippet', 'code', json(CODE.js, 'snippet')),
    precision('p-csv', 'csv', rawText('id,date,amount,ref\n1,2024-03-15,4111.11,ORD-2024-000123456\n2,2024-03-16,99.00,INV-20240315-0042\n', 'text/csv')),
    precision('p-markdown', 'prose', rawText('# Release 4.1.1\n\n- Fixed #1234 (thanks @octocat)\n- Bumped `@types/node@20.11.5`\n', 'text/markdown')),
    precision('p-html-entities-clean', 'html', rawHtml('<p>caf&eacute; &amp; cr&#232;me &ndash; 10&nbsp;&euro;</p>\n')),
    precision('p-text-gzip', 'compressed', text('Order ORD-2024-000123456 shipped on 2024-03-15'), { codings: ['gzip'] }),
    precision('p-json-br', 'compressed', json('build 2.0.0-rc.1+build.5114', 'ref'), { codings: ['br'] }),
    precision('p-text-utf16', 'charset', text('Version 10.0.19045.3693 released 15.03.2024'), { charset: 'utf-16le-bom' }),
    precision('p-text-latin1', 'charset', text('Café crème – 1 234,56 €'.replace('–', '-').replace('€', 'EUR')), { charset: 'latin1' }),
  );
  return cases;
}

export function precisionCases(): PrecisionCase[] {
  return [...itemCases(), ...numberCases(), ...documentCases()];
}
