import { describe, expect, it } from 'vitest';
import { LiteralFinder, literalIndexOf, startOf } from './literal-finder.js';
import { findNamedSecretsByHints, findNamedSecretsByNames } from './secret-fields.js';
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
