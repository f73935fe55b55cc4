import { describe, expect, it } from 'vitest';
import { DETECTOR_IDS } from './detector-id.js';
import { detectorFor } from './detector.registry.js';
import type { DetectionContext, DetectorMatch } from './detector.types.js';
import { LiteralFinder, literalIndexOf, startOf } from './literal-finder.js';
import { maskJson } from './mask-json.js';
import { maskText } from './mask-text.js';
import type { MaskingProfile } from './masking.types.js';
import { createPhoneDetector } from './phone.detector.js';
import { findNamedSecretsByHints, findNamedSecretsByNames, SHORTEST_FREE_TEXT_SECRET } from './secret-fields.js';
import type { Span } from './secret-span.js';
import { AWS_KEY_ID_PREFIXES, JWT_PREFIX, PEM_BEGIN, SLACK_WEBHOOK_HOST, TOKEN_RULES } from './secret-tokens.js';

/**
 * Each fast path has a straightforward twin (used for short texts, or kept as the reference):
 * on generated texts dense in what they look for, both must give the same result, exactly.
 */
const ROUNDS = 3000;

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const int = (r: Random, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const chars = (r: Random, alphabet: string, length: number) => Array.from({ length }, () => pick(r, [...alphabet])).join('');
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const NOISE = 'abcXYZ019_-./:= "\'<>\n\t,;(){}[]&%é４';

/** A text of `parts` pieces, each drawn by `piece`, joined by nothing or by a little noise. */
function text(r: Random, parts: number, piece: (r: Random) => string): string {
  let out = '';
  for (let i = 0; i < parts; i++) out += piece(r) + (r() < 0.5 ? '' : chars(r, NOISE, int(r, 1, 3)));
  return out;
}

/** Literals in some case, cut short, glued together or repeated (`-----`, `xoxe.xoxp-`). */
function literalPiece(literals: readonly string[]) {
  return (r: Random): string => {
    const literal = pick(r, literals);
    const roll = r();
    if (roll < 0.15) return literal.slice(0, int(r, 1, literal.length));
    if (roll < 0.25) return literal.slice(int(r, 1, literal.length - 1));
    if (roll < 0.3) return literal.toLowerCase();
    if (roll < 0.35) return literal.repeat(2);
    if (roll < 0.7) return literal + chars(r, BASE64 + '_-.', int(r, 0, 45));
    return chars(r, NOISE, int(r, 1, 6));
  };
}

describe('LiteralFinder: native search by anchor characters = the trie regex', () => {
  const literals = [...TOKEN_RULES.map((rule) => rule.prefix), ...AWS_KEY_ID_PREFIXES, JWT_PREFIX, SLACK_WEBHOOK_HOST, PEM_BEGIN, '-----begin ', 'ab', 'a_', '_a', 'x.y', 'xx'];
  const finder = new LiteralFinder(literals);
  const byRegex = (value: string) => {
    const keys: number[] = [];
    finder.findByRegex(value, keys);
    return keys.map((key) => [startOf(key), finder.literal(literalIndexOf(key))]);
  };
  const byAnchors = (value: string) => {
    const keys: number[] = [];
    finder.findByAnchors(value, keys);
    return keys.map((key) => [startOf(key), finder.literal(literalIndexOf(key))]);
  };
  /** By definition: at each position, the longest literal starting there. */
  const naive = (value: string) => {
    const found: [number, string][] = [];
    for (let i = 0; i < value.length; i++) {
      const longest = literals.filter((literal) => value.startsWith(literal, i)).sort((a, b) => b.length - a.length)[0];
      if (longest !== undefined) found.push([i, longest]);
    }
    return found;
  };

  it('finds the same literals at the same places on generated texts', () => {
    const r = prng(11);
    let hits = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const value = text(r, int(r, 1, 40), literalPiece(literals));
      const expected = naive(value);
      hits += expected.length;
      expect(byRegex(value)).toEqual(expected);
      expect(byAnchors(value)).toEqual(expected);
    }
    expect(hits).toBeGreaterThan(ROUNDS * 5);
  });

  it('handles literals at both ends of the text and overlapping ones', () => {
    for (const value of ['ghp_', 'xoxe.xoxp-', '-----BEGIN -----BEGIN ', 'eyJeyJ', 'AKIAAKIA', 'sk-proj-sk-ant-', '_a_a_', 'x.y.y', 'xxx']) {
      expect(byAnchors(value)).toEqual(naive(value));
      expect(byRegex(value)).toEqual(naive(value));
    }
  });

  it('refuses literals it cannot anchor', () => {
    expect(() => new LiteralFinder(['a'])).toThrow();
    expect(() => new LiteralFinder(['é1'])).toThrow();
  });
});

describe('named secrets: scanning only the names that can act = scanning every hint', () => {
  const NAMES = ['password', 'PASSWORD', 'db_pass', 'pwd', 'client_secret', 'api-key', 'X-Api-Key', 'sort_key', 'token', 'token_type', 'access.token', 'session', 'sig',
    'Authorization', 'Cookie', 'sessionid', 'aws', 'AWS', 'aws_secret_access_key', 'secret', 'Secret', 'bearer', 'Bearer', 'basic', 'BASIC', 'jwt', 'otp', 'hmac', 'cred', 'creds',
    'passsecret', 'awsecret', 'keytoken', 'spring.datasource.password', 'token..', 'key.', 'the', 'name', 'value'];
  const SEPARATORS = ['=', ': ', ' = ', ':=', '=>', '  :  ', '\t=', ' '.repeat(7) + ':', ' \t'.repeat(4) + '=', ' '.repeat(9) + '=', '', ' ', '.'];
  const value = (r: Random): string => pick(r, [
    () => chars(r, BASE64, int(r, 4, 44)),
    () => chars(r, BASE64, 40),
    () => `"${chars(r, BASE64 + ' ', int(r, 0, 30))}"`,
    () => `'${chars(r, BASE64, int(r, 8, 30))}'`,
    () => `${chars(r, 'abcdef', 4)}=${chars(r, BASE64, 20)}`,
    () => pick(r, ['********', '${DB_PASSWORD}', '<your-token>', 'null', 'changeit']),
    () => Buffer.from(`user:${chars(r, BASE64, 10)}`).toString('base64'),
    () => chars(r, BASE64 + '=', int(r, 1, 80)),
  ])();
  const piece = (r: Random): string => {
    const name = pick(r, NAMES);
    const roll = r();
    if (roll < 0.35) return `${name}${pick(r, SEPARATORS)}${value(r)}`;
    if (roll < 0.45) return `"${name}"${pick(r, [': ', ':', ' : '])}${value(r)}`;
    if (roll < 0.55) return `<${name}>${value(r)}</${name}>`;
    if (roll < 0.62) return `--${name}${pick(r, [' ', '  ', '='])}${value(r)}`;
    if (roll < 0.72) return `${name} ${value(r)}`;
    if (roll < 0.8) return `${name} configure set ${chars(r, 'abc ', int(r, 0, 30))}${chars(r, BASE64, 40)}`;
    if (roll < 0.9) return chars(r, NOISE + 'passwordtoken', int(r, 1, 12));
    return name;
  };
  const spans = (scan: (text: string, spans: Span[]) => void, value: string): Span[] => {
    const found: Span[] = [];
    scan(value, found);
    return found;
  };

  it('finds the same spans on generated texts', () => {
    const r = prng(12);
    let found = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const value = text(r, int(r, 1, 30), piece);
      const expected = spans(findNamedSecretsByHints, value);
      found += expected.length;
      expect(spans(findNamedSecretsByNames, value)).toEqual(expected);
    }
    expect(found).toBeGreaterThan(ROUNDS);
  });

  it('agrees where a value runs to its length limit, mid-name', () => {
    const long = `password=${'a1B2'.repeat(1100)}token=${'x9Y8'.repeat(10)} secret: ${'Q7w'.repeat(10)}`;
    expect(spans(findNamedSecretsByNames, long)).toEqual(spans(findNamedSecretsByHints, long));
    expect(spans(findNamedSecretsByHints, long).length).toBeGreaterThan(0);
  });
});

describe('mayMatchView: a necessary condition for find, for every detector', () => {
  const detectors = [...DETECTOR_IDS.map(detectorFor), createPhoneDetector('DE'), createPhoneDetector('GB')];
  const CONTEXTS: readonly (DetectionContext | undefined)[] = [undefined, { key: 'note' }, { key: 'phone' }, { key: 'mobileNumber' }, { key: 'ssn' }, { key: 'password' },
    { key: 'api_key' }, { key: 'Authorization' }, { key: 'client_secret' }, { key: 'token_type' }];
  const PIECES = ['4111 1111 1111 1111', '4111111111111111', '378282246310005', '4222222222222', 'jo@example.com', 'a@b.co', '@', 'DE89 3704 0044 0532 0130 00', 'NO9386011117947', 'GB82WEST12345698765432',
    '+44 20 7946 0958', '+1 (201) 555-0123', '0049 30 1234567', '+376 312345', '00376 312345', '+298 211234', '00298-211234', '+500 51234', '+290 8999', '00290 8999', '00690-7290', '(201) 555-0123', '201-555-0123', '2015550123', '030 1234567', '07700 900123', '078-05-1121', '123-45-6789', '123456789',
    'ghp_0123456789abcdefghijABCDEFGHIJ012345', 'AKIAIOSFODNN7EXAMPLE', 'xoxb-1234567890-abcdef', 'eyJhbGciOi.eyJzdWIi.sig', 'pwd=Xy7#kQ2!', 'pass: hunter22', 'Bearer abc123def456',
    'Basic dXNlcjpwYXNzd29yZA==', 'tel', 'phone', 'SSN', 'ssn:', 'call', 'mobile:', '00', '+', '(', ')', '-', '.', ' ', '/', ',', '_', '\n', '=', ':'];
  const piece = (r: Random): string => {
    const roll = r();
    if (roll < 0.35) {
      const known = pick(r, PIECES);
      return r() < 0.3 ? known.slice(int(r, 0, known.length - 1), int(r, 1, known.length)) : known;
    }
    if (roll < 0.7) return chars(r, '0123456789', int(r, 1, 12));
    if (roll < 0.85) return chars(r, ' -./()+,_', int(r, 1, 3));
    return chars(r, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@+#!', int(r, 1, 8));
  };

  it('is true wherever find finds something, on generated short texts and contexts', () => {
    const r = prng(13);
    const found = new Map<string, number>();
    for (let round = 0; round < ROUNDS * 4; round++) {
      let value = '';
      const parts = int(r, 1, 8);
      for (let i = 0; i < parts; i++) value += piece(r);
      value = value.slice(0, 255);
      const context = pick(r, CONTEXTS);
      for (const detector of detectors) {
        const out: DetectorMatch[] = [];
        detector.find(value, out, context);
        if (out.length === 0) continue;
        found.set(detector.id, (found.get(detector.id) ?? 0) + 1);
        if (!detector.mayMatchView(value, context)) throw new Error(`${detector.id}: mayMatchView false for ${JSON.stringify(value)} under ${JSON.stringify(context)}, find found ${JSON.stringify(out)}`);
      }
    }
    for (const id of DETECTOR_IDS) expect(found.get(id) ?? 0, id).toBeGreaterThan(100);
  });

  it('holds at the length bounds it relies on', () => {
    // The shortest free-text secret is `pwd=` and a password; anything shorter is not asked about.
    const secret = detectorFor('secret');
    const out: DetectorMatch[] = [];
    secret.find('pwd=Xy7kQ2mZ', out);
    expect('pwd=Xy7kQ2mZ'.length).toBe(SHORTEST_FREE_TEXT_SECRET);
    expect(out).toHaveLength(1);
    expect(secret.mayMatchView('pwd=Xy7kQ2m')).toBe(false);
    // A keyed Authorization credential may be four characters.
    secret.find('abcd', (out.length = 0, out), { key: 'Authorization' });
    expect(out).toHaveLength(1);
    expect(secret.mayMatchView('abcd', { key: 'Authorization' })).toBe(true);
    expect(secret.mayMatchView('abcd', { key: 'note' })).toBe(false);
  });
});

describe('JSON values checked for a view by their position in the document = each checked alone', () => {
  const profile: MaskingProfile = { name: 'p', detectors: [...DETECTOR_IDS], fields: ['password'], columns: [] };
  const VALUES = ['4111 1111 1111 1111', '４１１１ １１１１ １１１１ １１１１', '4111%201111%201111%201111', '4111&#32;1111&#32;1111&#32;1111', 'jo@example.com', 'jo＠example.com', 'jo%40example.com', 'jo&#64;example.com',
    'plain text', 'café', '100%', 'a & b', 'DE89 3704 0044 0532 0130 00', '+44 20 7946 0958', '078-05-1121', 'ssn 078 05 1121', 'x', '', '123\u0040', 'jo\u0040example.com', '4111\u00a01111\u00a01111\u00a01111'];

  it('masks a document of many values as it masks each value in its own document', () => {
    const r = prng(14);
    for (let round = 0; round < 500; round++) {
      const values = Array.from({ length: int(r, 1, 12) }, () => pick(r, VALUES));
      const literals = values.map((value) => (value.includes('\\u') ? `"${value}"` : JSON.stringify(value)));
      const alone = literals.map((literal) => maskJson(`[${literal}]`, profile).text.slice(1, -1));
      expect(maskJson(`[${literals.join(',')}]`, profile).text).toBe(`[${alone.join(',')}]`);
    }
  });

  it('sees the same values as the text masker', () => {
    for (const value of VALUES.filter((v) => !v.includes('\\u'))) {
      expect(maskJson(JSON.stringify([value]), profile).text).toBe(JSON.stringify([maskText(value, profile).text]));
    }
  });
});

describe('the JSON scanner: predicted keys and per-position view checks = a plain reading of the document', () => {
  // Context-free detectors only, so the expected output can be built from JSON.parse and maskText.
  const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card', 'iban'], fields: ['password'], columns: [] };
  const KEYS = ['id', 'name', 'email', 'jo@example.com', 'a\\u0062c', 'quote\\"d', 'tab\\tkey', 'back\\\\slash', 'password', 'PASSWORD', 'n', 'nested', 'list', 'é', 'ke\\u0079'];
  const STRINGS = ['plain', '', 'jo@example.com', 'jo\\u0040example.com', '4111 1111 1111 1111', 'line\\nbreak', 'say \\"hi\\"', '\\\\', 'DE89 3704 0044 0532 0130 00', 'café', '%40', 'x\\/y', '\\ud83d\\ude00'];
  const value = (r: Random, depth: number): string => {
    const roll = r();
    if (depth < 3 && roll < 0.15) return record(r, depth + 1);
    if (depth < 3 && roll < 0.25) return `[${Array.from({ length: int(r, 0, 3) }, () => value(r, depth + 1)).join(pick(r, [',', ', ', ',\n  ']))}]`;
    if (roll < 0.35) return String(int(r, -99, 99999));
    if (roll < 0.4) return pick(r, ['true', 'false', 'null', '1.5e3', '-0.25']);
    return `"${pick(r, STRINGS)}"`;
  };
  const record = (r: Random, depth: number): string => {
    // Mostly the same keys in the same order (as API records are), sometimes not.
    const keys = r() < 0.7 ? KEYS.slice(0, 6) : Array.from({ length: int(r, 0, 6) }, () => pick(r, KEYS));
    const unique = [...new Set(keys)];
    const space = pick(r, ['', ' ', '\n', '\r\n  ', '\t']);
    return `{${space}${unique.map((key) => `"${key}"${space}:${space}${value(r, depth)}`).join(`,${space}`)}${space}}`;
  };
  /** The document as JSON.parse reads it, every key and string masked by maskText, field values redacted. */
  const expected = (parsed: unknown): unknown => {
    if (typeof parsed === 'string') return maskText(parsed, profile).text;
    if (Array.isArray(parsed)) return parsed.map(expected);
    if (parsed !== null && typeof parsed === 'object') {
      return Object.fromEntries(Object.entries(parsed).map(([key, inner]) => [maskText(key, profile).text, key.toLowerCase() === 'password' ? '[REDACTED]' : expected(inner)]));
    }
    return parsed;
  };
  const corrupt = (r: Random, json: string): string => {
    const at = int(r, 0, json.length);
    return json.slice(0, at) + pick(r, ['\u0001', '\n', '\t', '\\', '\\u12', '"', '\\x']) + json.slice(at);
  };

  it('masks generated documents as the plain reading says, and refuses exactly what JSON.parse refuses', () => {
    const r = prng(15);
    let refused = 0;
    for (let round = 0; round < 1500; round++) {
      const records = Array.from({ length: int(r, 1, 8) }, () => record(r, 0));
      let json = `[${records.join(pick(r, [',', ',\n']))}]`;
      if (r() < 0.3) json = corrupt(r, json);
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        refused++;
        expect(() => maskJson(json, profile), json).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
        continue;
      }
      expect(JSON.parse(maskJson(json, profile).text), json).toEqual(expected(parsed));
    }
    expect(refused).toBeGreaterThan(100);
  });
});
