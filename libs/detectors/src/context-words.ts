/**
 * Evidence from around a value: words written before it in free text ("phone: …", "SSN …") and
 * the name it is found under (a JSON key, a form field, a header). Bare digit strings and
 * high-entropy values are only masked with such evidence, because without it they are far more
 * often ids, counters and hashes than phone numbers, SSNs or secrets.
 */

/** How far before a bare value a context word may end (characters). */
export const CONTEXT_WINDOW = 40;

/**
 * Words that say a phone number follows, in several languages. Whole words only (`tel` is not
 * `telemetry`, `ph` is not `photo`); a compound such as `phone_number` or `Tel.` still has the word.
 */
const PHONE_WORDS = [
  'phone', 'phones', 'telephone', 'tel', 'mobile', 'mob', 'cell', 'cellphone', 'fax', 'call', 'calls', 'called',
  'whatsapp', 'sms', 'contact', 'ph', 'hotline',
  'telefon', 'telefonnummer', 'rufnummer', 'handy', 'handynummer', 'mobil', 'mobilnummer', 'festnetz',
  'téléphone', 'tél', 'portable', 'numéro', 'teléfono', 'telefono', 'móvil', 'movil', 'celular', 'cellulare',
  'telefone', 'telemóvel', 'telefoon', 'mobiel', 'bellen', 'телефон', 'тел', 'мобильный',
  '电话', '手机', '電話', '携帯', '전화',
];

/** US words for a Social Security number (the detector is the US SSN, so only US words). */
const SSN_PATTERNS = ['ssns?', 'social[\\s_.-]*security', 'social[\\s_.-]*sec', 'soc\\.?[\\s_.-]*sec', 'taxpayer', 'ss#'];

const wordAlternation = (words: readonly string[]) => words.map(escapeRegExp).join('|');

// Not global: `test` keeps no state between calls. Letter boundaries are Unicode-aware.
const PHONE_CONTEXT = new RegExp(`(?<![\\p{L}\\p{N}])(?:${wordAlternation(PHONE_WORDS)})(?![\\p{L}])`, 'iu');
const SSN_CONTEXT = new RegExp(`(?<![\\p{L}\\p{N}])(?:${SSN_PATTERNS.join('|')})(?![\\p{L}])`, 'iu');

function escapeRegExp(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
}

function windowBefore(text: string, start: number): string {
  return text.slice(Math.max(0, start - CONTEXT_WINDOW), start);
}

export function hasPhoneContextBefore(text: string, start: number): boolean {
  return PHONE_CONTEXT.test(windowBefore(text, start));
}

export function hasSsnContextBefore(text: string, start: number): boolean {
  return mayHoldSsnWord(text, start) && SSN_CONTEXT.test(windowBefore(text, start));
}

/**
 * Every SSN word holds `ss`, `so` or `ta` in some case. Nine-digit ids are common in JSON, and this
 * in-place look at the window spares almost all of them the slice and the Unicode-aware regex.
 */
function mayHoldSsnWord(text: string, start: number): boolean {
  let previous = 0;
  for (let i = Math.max(0, start - CONTEXT_WINDOW); i < start; i++) {
    const code = text.charCodeAt(i) | 0x20;
    if ((previous === 0x73 && (code === 0x73 || code === 0x6f)) || (previous === 0x74 && code === 0x61)) return true;
    previous = code;
  }
  return false;
}

/**
 * The words of a field name, lower-cased: `X-Api-Key` → x, api, key; `apiKey` and `APIKey` → api,
 * key; `AWS_SECRET_ACCESS_KEY` → aws, secret, access, key; `phoneNumber2` → phone, number, 2.
 */
export function nameWords(name: string): string[] {
  return (name.match(/\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+|[\p{Lo}\p{M}]+/gu) ?? []).map((word) => word.toLowerCase());
}

const PHONE_KEY_WORDS: ReadonlySet<string> = new Set([
  'phone', 'telephone', 'tel', 'mobile', 'cell', 'cellphone', 'fax', 'msisdn', 'whatsapp', 'sms', 'handy',
  'telefon', 'telefono', 'teléfono', 'telefone', 'téléphone', 'telefoon', 'celular', 'cellulare', 'movil', 'móvil',
  'mobil', 'mobiel', 'portable', 'rufnummer', 'telefonnummer',
]);

/**
 * A pure classification of names, remembered: names repeat (every record of a JSON array has the
 * same keys, and detectors ask about the key of every value). Each memo holds short names only
 * and is cleared past MEMO_LIMIT of them, so hostile input cannot grow it.
 */
function memoised<T>(classify: (name: string) => T): (name: string) => T {
  // Boxed, so that an undefined answer is remembered too and costs one lookup.
  const memo = new Map<string, { readonly answer: T }>();
  return (name) => {
    if (name.length > MEMO_NAME_LENGTH) return classify(name);
    const known = memo.get(name);
    if (known !== undefined) return known.answer;
    if (memo.size >= MEMO_LIMIT) memo.clear();
    const answer = classify(name);
    memo.set(name, { answer });
    return answer;
  };
}

const MEMO_LIMIT = 1024;
const MEMO_NAME_LENGTH = 64;

/** Whether a field name says its value is a phone number (`phone`, `mobileNumber`, `tel`, `msisdn`). */
export const isPhoneKey: (key: string) => boolean = memoised((key) => {
  const words = nameWords(key);
  return words.some((word) => PHONE_KEY_WORDS.has(word)) || words.join('').includes('phone');
});

/** Whether a field name says its value is a US Social Security number (`ssn`, `social_security_number`). */
export const isSsnKey: (key: string) => boolean = memoised((key) => {
  const words = nameWords(key);
  const joined = words.join('');
  return words.includes('ssn') || joined.includes('socialsecurity') || joined.includes('socsec') || joined.includes('taxpayer');
});

/** What a secret-bearing name promises: a password (short values count) or another secret. */
export type SecretKeyKind = 'password' | 'secret' | 'authorization';

const PASSWORD_WORDS: ReadonlySet<string> = new Set(['password', 'passwd', 'passphrase', 'pwd', 'pass', 'pw', 'passcode']);

const SECRET_WORDS: ReadonlySet<string> = new Set([
  'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials', 'creds', 'auth', 'session', 'sessionid',
  'signature', 'sig', 'bearer', 'apikey', 'accesskey', 'privatekey', 'secretkey', 'cookie', 'jwt', 'otp', 'hmac',
]);

/** Words that make a following `key` a secret (`api_key`, `signingKey`, `AccountKey`), unlike `sort_key`. */
const KEY_QUALIFIERS: ReadonlySet<string> = new Set([
  'api', 'access', 'private', 'secret', 'signing', 'sign', 'encryption', 'encrypt', 'decryption', 'master', 'client',
  'app', 'application', 'account', 'auth', 'shared', 'sas', 'subscription', 'consumer', 'ssh', 'webhook', 'functions',
  'service', 'admin', 'license', 'storage', 'session', 'hmac', 'jwt', 'aes', 'crypto', 'root', 'deploy', 'gpg', 'pgp',
]);

/** Substrings that make a name secret-bearing even when run together (`dbpassword`, `XSRFTOKEN`). */
const SECRET_SUBSTRINGS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'apikey', 'accesskey', 'privatekey', 'authkey'];

/**
 * Last words that make the name about the secret rather than the secret itself:
 * `token_endpoint`, `jwks_uri`, `password_policy`, `token_type`, `secretName`, `auth_method`.
 */
const DESCRIPTOR_WORDS: ReadonlySet<string> = new Set([
  'url', 'uri', 'endpoint', 'endpoints', 'path', 'file', 'dir', 'type', 'types', 'method', 'methods', 'supported',
  'mode', 'name', 'names', 'expires', 'expiry', 'expiration', 'exp', 'ttl', 'lifetime', 'length', 'count', 'header',
  'prefix', 'format', 'algorithm', 'alg', 'algorithms', 'scheme', 'policy', 'enabled', 'required', 'label', 'hint',
  'description', 'version', 'location', 'field', 'param', 'placeholder', 'ref', 'provider', 'strategy', 'status', 'at',
  'in', 'reset', 'changed', 'updated', 'created', 'age', 'min', 'max', 'limit', 'rotation', 'store', 'level',
]);

/** Whether a name (a key, a field, a header, a `name=` in free text) says its value is a secret. */
export const secretKeyKind: (name: string) => SecretKeyKind | undefined = memoised(classifySecretName);

function classifySecretName(name: string): SecretKeyKind | undefined {
  const words = nameWords(name);
  if (words.length === 0) return undefined;
  const last = words[words.length - 1]!;
  if (last === 'authorization' || last === 'authentication') return 'authorization';
  if (DESCRIPTOR_WORDS.has(last)) return undefined;
  if (words.some((word) => PASSWORD_WORDS.has(word))) return 'password';
  if (words.some((word) => SECRET_WORDS.has(word))) return 'secret';
  for (let i = 1; i < words.length; i++) {
    if (words[i] === 'key' && KEY_QUALIFIERS.has(words[i - 1]!)) return 'secret';
  }
  const joined = words.join('');
  if (joined.includes('password') || joined.includes('passwd')) return 'password';
  return SECRET_SUBSTRINGS.some((part) => joined.includes(part)) ? 'secret' : undefined;
}
