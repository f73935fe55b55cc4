import { createHmac, generateKeyPairSync } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { crc32 } from 'node:zlib';
import type { Canonical, Planted } from './corpus.types.js';

// The values planted in the corpus. Cards, IBANs and tokens are generated (valid check digits,
// issuer ranges, token checksums) from a seeded generator, so the corpus is the same every run and
// no real-looking credential is written in the source.

/** mulberry32: small, seeded, good enough to pick digits. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = seeded(0x10c0ffee);
const pick = (alphabet: string, n: number, r = rand) => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The prefix completed with random digits and the Luhn check digit to `length` digits. */
export function luhnComplete(prefix: string, length: number, r = rand): string {
  const body = prefix + pick(DIGITS, length - prefix.length - 1, r);
  for (let check = 0; check <= 9; check++) if (luhnValid(body + check)) return body + check;
  throw new Error('unreachable');
}

/** A card of every issuer the issue names, in its issuer range and length, Luhn-valid. */
export const CARDS = {
  visa: luhnComplete('4556', 16),
  visa13: luhnComplete('4929', 13),
  visa19: luhnComplete('4716', 19),
  mastercard: luhnComplete('5425', 16),
  mastercard2: luhnComplete('2221', 16),
  mastercard2b: luhnComplete('2720', 16),
  amex: luhnComplete('3782', 15),
  amex34: luhnComplete('3400', 15),
  discover: luhnComplete('6011', 16),
  discover65: luhnComplete('6500', 16),
  jcb: luhnComplete('3530', 16),
  unionpay: luhnComplete('6212', 16),
  unionpay19: luhnComplete('6250', 19),
  diners: luhnComplete('3056', 14),
  diners36: luhnComplete('3600', 14),
  maestro: luhnComplete('6759', 16),
  maestro12: luhnComplete('5018', 12),
  /** The famous test number: a detector must not treat it as a known-harmless example. */
  visaTest: '4111111111111111',
} as const;

/** Groups of a card number as printed: 4-6-5 for Amex, 4-6-4 for Diners, fours otherwise. */
export function groups(digits: string): string[] {
  const sizes = digits.length === 15 ? [4, 6, 5] : digits.length === 14 ? [4, 6, 4] : [];
  const out: string[] = [];
  let i = 0;
  for (const size of sizes) out.push(digits.slice(i, (i += size)));
  while (i < digits.length) out.push(digits.slice(i, (i += 4)));
  return out;
}

export const card = (digits: string, label = 'card'): Planted => ({ kind: 'card', label: `${label} ${digits.slice(0, 4)}…${digits.slice(-4)}`, forms: [{ kind: 'digits', value: digits }] });

// ---- IBAN ----

function mod97(numeric: string): number {
  let rest = 0;
  for (let i = 0; i < numeric.length; i += 7) rest = Number(String(rest) + numeric.slice(i, i + 7)) % 97;
  return rest;
}
const ibanNumeric = (text: string) => [...text].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join('');

export function ibanValid(iban: string): boolean {
  return mod97(ibanNumeric(iban.slice(4) + iban.slice(0, 4))) === 1;
}

/** A MOD-97-valid IBAN for the country, its BBAN built to the country's structure (n digits, a letters, c either). */
export function makeIban(country: string, structure: string, r = rand): string {
  let bban = '';
  for (const [, count, type] of structure.matchAll(/(\d+)([nac])/g)) {
    bban += pick(type === 'n' ? DIGITS : type === 'a' ? UPPER : UPPER + DIGITS, Number(count), r);
  }
  const check = 98 - mod97(ibanNumeric(bban + country + '00'));
  return country + String(check).padStart(2, '0') + bban;
}

export const IBANS = {
  de: makeIban('DE', '18n'),
  gb: makeIban('GB', '4a14n'),
  fr: makeIban('FR', '10n11c2n'),
  nl: makeIban('NL', '4a10n'),
  es: makeIban('ES', '20n'),
  it: makeIban('IT', '1a10n12c'),
  ch: makeIban('CH', '5n12c'),
  be: makeIban('BE', '12n'),
  no: makeIban('NO', '11n'),
  mt: makeIban('MT', '4a5n18c'),
  pl: makeIban('PL', '24n'),
  at: makeIban('AT', '16n'),
} as const;

export const iban = (compact: string): Planted => ({
  kind: 'iban',
  label: `iban ${compact.slice(0, 4)}…${compact.slice(-4)}`,
  forms: [
    { kind: 'text', value: compact },
    // The account itself (without country and check digits) is as good as the IBAN.
    { kind: 'text', value: compact.slice(4) },
  ],
});

/** An IBAN in groups of four, as printed. */
export const ibanGrouped = (compact: string, sep = ' ') => compact.match(/.{1,4}/g)!.join(sep);

// ---- phone ----

/** Numbers valid by libphonenumber's metadata (no obvious digit runs): calling code and national significant number. */
export const PHONES = {
  us: { cc: '1', nsn: '4155552671' },
  us2: { cc: '1', nsn: '2015550123' },
  gb: { cc: '44', nsn: '2079460958' },
  gbMobile: { cc: '44', nsn: '7457382916' },
  de: { cc: '49', nsn: '3028471936' },
  deMobile: { cc: '49', nsn: '15204817263' },
  fr: { cc: '33', nsn: '145273961' },
  frMobile: { cc: '33', nsn: '648219375' },
  jp: { cc: '81', nsn: '352857102' },
  au: { cc: '61', nsn: '280156237' },
  in: { cc: '91', nsn: '9820417356' },
  br: { cc: '55', nsn: '11962834417' },
} as const;

export const phone = (p: { cc: string; nsn: string }): Planted => ({ kind: 'phone', label: `phone +${p.cc} …${p.nsn.slice(-3)}`, forms: [{ kind: 'digits', value: p.nsn }] });

// ---- SSN ----

/** Valid SSNs: area not 000, 666 or 9xx; group not 00; serial not 0000; not an advertised one. */
export const SSNS = ['536-22-8147', '219-38-4410', '472-61-0935', '651-07-2286', '308-55-9172', '024-83-6651'] as const;

export const ssn = (formatted: string): Planted => ({ kind: 'ssn', label: `ssn …${formatted.slice(-4)}`, forms: [{ kind: 'digits', value: formatted.replace(/\D/g, '') }] });

// ---- e-mail ----

/**
 * An address: its forms are the whole address and the local part (lower-cased; a partial form
 * may keep the domain), the mailbox without its plus tag, and the ASCII (punycode) spelling.
 */
export function email(address: string): Planted {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at).replace(/^"|"$/g, '');
  const domain = address.slice(at + 1);
  const forms: Canonical[] = [
    { kind: 'text', value: `${local}@${domain}` },
    { kind: 'text', value: local },
  ];
  const base = local.split('+')[0]!;
  if (base !== local && base.length >= 5) forms.push({ kind: 'text', value: base });
  const ascii = domainToASCII(domain.toLowerCase());
  if (ascii && ascii !== domain.toLowerCase()) forms.push({ kind: 'text', value: `${local}@${ascii}` });
  return { kind: 'email', label: `email ${local.slice(0, 2)}…@${domain}`, forms };
}

// ---- secrets ----

/**
 * A secret: the whole body must not come back, nor either half of a long one (a partial form
 * may show a prefix such as `ghp_` or the last few characters, never half the key).
 */
export function secret(label: string, body: string): Planted {
  const forms: Canonical[] = [{ kind: 'text', value: body }];
  if (body.length >= 24) forms.push({ kind: 'text', value: body.slice(0, body.length >> 1) }, { kind: 'text', value: body.slice(body.length >> 1) });
  return { kind: 'secret', label, forms };
}

/** A value only a field rule (password, ssn, secret) can find. */
export const fieldValue = (label: string, value: string): Planted => ({ kind: 'field', label, forms: [value.replace(/\D/g, '') === value ? { kind: 'digits', value } : { kind: 'text', value }] });

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** GitHub's token format: 30 random base62 characters and the base62 CRC32 of them. */
function githubToken(prefix: string): string {
  const random = pick(BASE62, 30);
  return `${prefix}${random}${base62(crc32(random), 6)}`;
}

const b64url = (b: Buffer) => b.toString('base64url');

function jwt(): string {
  const header = b64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
  const payload = b64url(Buffer.from(JSON.stringify({ sub: `svc-${pick(BASE62, 10)}`, scope: 'billing:write', iat: 1767225600, exp: 1767229200 })));
  const signature = b64url(createHmac('sha256', pick(BASE62, 32)).update(`${header}.${payload}`).digest());
  return `${header}.${payload}.${signature}`;
}

function opensshKey(): string {
  const blob = Buffer.concat([Buffer.from('openssh-key-v1\0'), Buffer.from(pick(BASE62, 300)), Buffer.from(Array.from({ length: 120 }, () => Math.floor(rand() * 256)))]);
  const lines = blob.toString('base64').match(/.{1,70}/g)!;
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

export const SECRETS = {
  awsKeyId: `AKIA${pick(UPPER + '234567', 16)}`,
  awsTempKeyId: `ASIA${pick(UPPER + '234567', 16)}`,
  awsSecret: pick(BASE62 + '/+', 40),
  rsaPem: rsa.export({ type: 'pkcs1', format: 'pem' }) as string,
  pkcs8Pem: rsa.export({ type: 'pkcs8', format: 'pem' }) as string,
  ecPem: ec.export({ type: 'sec1', format: 'pem' }) as string,
  opensshPem: opensshKey(),
  jwt: jwt(),
  ghp: githubToken('ghp_'),
  gho: githubToken('gho_'),
  githubPat: `github_pat_${pick(BASE62, 22)}_${pick(BASE62, 59)}`,
  glpat: `glpat-${pick(BASE62 + '_-', 20)}`,
  xoxb: `xoxb-${pick(DIGITS, 12)}-${pick(DIGITS, 13)}-${pick(BASE62, 24)}`,
  xoxp: `xoxp-${pick(DIGITS, 12)}-${pick(DIGITS, 12)}-${pick(DIGITS, 13)}-${pick('0123456789abcdef', 32)}`,
  slackWebhook: `https://hooks.slack.com/services/T${pick(UPPER + DIGITS, 8)}/B${pick(UPPER + DIGITS, 10)}/${pick(BASE62, 24)}`,
  stripeLive: `sk_live_${pick(BASE62, 24)}`,
  stripeRestricted: `rk_live_${pick(BASE62, 24)}`,
  stripeWebhook: `whsec_${pick(BASE62, 32)}`,
  apiKey: pick(BASE62, 40),
  bearer: pick(BASE62 + '-._', 48),
  password: `Plover-${pick(BASE62, 6)}-Quasar!`,
} as const;

/** The key material of a PEM block: each base64 line is a secret of its own. */
export function pemSecret(label: string, pem: string): Planted {
  const lines = pem.split('\n').filter((l) => l && !l.startsWith('-----') && l.length >= 40);
  return { kind: 'secret', label, forms: lines.map((value) => ({ kind: 'text', value }) as const) };
}

/** A token with a well-known prefix: its body (after the prefix) is the secret. */
export const tokenSecret = (label: string, token: string, prefixLength: number) => secret(label, token.slice(prefixLength));

export function jwtSecret(token: string): Planted {
  const [, payload, signature] = token.split('.');
  return { kind: 'secret', label: 'jwt', forms: [{ kind: 'text', value: signature! }, { kind: 'text', value: payload! }] };
}
