import { isAsciiAlnum, isAsciiUpper, isDigit } from './char-class.js';
import { LiteralFinder, literalIndexOf, startOf } from './literal-finder.js';
import { literalAlternation } from './literal-trie.js';
import type { Span } from './secret-span.js';

/** Characters a token body may use after its prefix. */
type BodyChars = 'base62' | 'word' | 'base64url' | 'dotted' | 'slack';

interface TokenRule {
  readonly prefix: string;
  readonly body: BodyChars;
  /** Shortest body accepted (real tokens are longer; a shorter one is a mention of the prefix). */
  readonly minBody: number;
  /** The prefix is a common fragment (`sk-`, `hf_`), so it must start a token, not end a word. */
  readonly standalone?: boolean;
}

/**
 * Token formats that say what they are by their prefix. One table: the scanner's regex and the
 * partial form (prefix + `****`) are both derived from it.
 */
export const TOKEN_RULES: readonly TokenRule[] = Object.freeze([
  // GitHub: classic (36 base62) and fine-grained personal access tokens.
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({ prefix, body: 'base62', minBody: 30 }) as const),
  { prefix: 'github_pat_', body: 'word', minBody: 40 },
  // GitLab: personal, deploy, runner, pipeline-trigger, CI-job, OAuth-secret, feed, mail, agent, SCIM tokens.
  ...['glpat-', 'gldt-', 'glrt-', 'glrtr-', 'glptt-', 'glcbt-', 'gloas-', 'glft-', 'glimt-', 'glagent-', 'glsoat-', 'glffct-', 'glwt-']
    .map((prefix) => ({ prefix, body: 'dotted', minBody: 20 }) as const),
  { prefix: 'GR1348941', body: 'base64url', minBody: 20 },
  // Slack: bot, user, app-level, refresh, configuration and legacy tokens.
  ...['xoxe.xoxp-', 'xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-', 'xapp-'].map((prefix) => ({ prefix, body: 'slack', minBody: 10 }) as const),
  // Stripe: secret, restricted and publishable keys, webhook signing secrets.
  ...['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'pk_live_', 'pk_test_', 'whsec_'].map((prefix) => ({ prefix, body: 'base62', minBody: 16 }) as const),
  // Other widespread formats: Google API keys, npm, Hugging Face, OpenAI, Anthropic, SendGrid, Shopify, DigitalOcean, PyPI.
  { prefix: 'AIza', body: 'base64url', minBody: 30, standalone: true },
  { prefix: 'npm_', body: 'base62', minBody: 30, standalone: true },
  { prefix: 'hf_', body: 'base62', minBody: 30, standalone: true },
  { prefix: 'sk-ant-', body: 'base64url', minBody: 20 },
  { prefix: 'sk-proj-', body: 'base64url', minBody: 20 },
  { prefix: 'sk-', body: 'base62', minBody: 32, standalone: true },
  { prefix: 'SG.', body: 'dotted', minBody: 40, standalone: true },
  ...['shpat_', 'shpss_', 'shpca_', 'shppa_'].map((prefix) => ({ prefix, body: 'base62', minBody: 32 }) as const),
  { prefix: 'dop_v1_', body: 'base62', minBody: 40 },
  { prefix: 'pypi-', body: 'base64url', minBody: 50 },
]);

/** AWS access key id prefixes: users, temporary (STS), roles, groups, certificates, … */
export const AWS_KEY_ID_PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'AROA', 'ASCA'] as const;
const AWS_KEY_ID_BODY = 16;

export const JWT_PREFIX = 'eyJ'; // base64url of `{"`
export const SLACK_WEBHOOK_HOST = 'hooks.slack.com/';
const SLACK_WEBHOOK_PATHS = ['services/', 'workflows/', 'triggers/'];
export const PEM_BEGIN = '-----BEGIN ';
const PEM_BEGIN_LOWER = '-----begin ';

const PREFIXES = [...TOKEN_RULES.map((rule) => rule.prefix), ...AWS_KEY_ID_PREFIXES, JWT_PREFIX, SLACK_WEBHOOK_HOST, PEM_BEGIN, PEM_BEGIN_LOWER];

/** Finds every prefix by its rarest character with native search (the longer of `xoxe-` and `xoxe.xoxp-` wins). */
const PREFIX_FINDER = new LiteralFinder(PREFIXES);

/** Every prefix in one trie-shaped alternation, anchored: which prefix starts exactly here. */
const PREFIX_AT = new RegExp(literalAlternation(PREFIXES), 'y');
/** The same, unanchored and without state: whether a text holds a prefix at all. */
const ANY_PREFIX = new RegExp(PREFIX_AT.source);

/** Whether findPrefixedTokens can find anything in `text`: every token starts with a prefix. */
export function mayHoldPrefixedToken(text: string): boolean {
  return ANY_PREFIX.test(text);
}

const RULE_BY_PREFIX: ReadonlyMap<string, TokenRule> = new Map(TOKEN_RULES.map((rule) => [rule.prefix, rule]));
const AWS_PREFIXES: ReadonlySet<string> = new Set(AWS_KEY_ID_PREFIXES);

/**
 * Appends the spans of every prefixed token, JWT, PEM private key and Slack webhook in `text`.
 * Prefixes are read left to right; one that starts a token resumes the scan after the token, one
 * that does not, after the prefix (so a prefix inside a token or inside another prefix is skipped).
 */
export function findPrefixedTokens(text: string, spans: Span[]): void {
  const prefixKeys: number[] = [];
  PREFIX_FINDER.find(text, prefixKeys);
  jwtFailedUntil = -1;
  pemEndMissingFrom = Infinity;
  let cursor = 0;
  for (const key of prefixKeys) {
    const start = startOf(key);
    if (start < cursor) continue;
    const prefix = PREFIX_FINDER.literal(literalIndexOf(key));
    // A JWT read that failed at s fails at every later start in the same first segment (the
    // segments after it are the same, the first only shorter), so those are not read again: one
    // `eyJeyJeyJ…` run would otherwise be rescanned from each of its `eyJ`s (quadratic).
    if (prefix === JWT_PREFIX && start < jwtFailedUntil) continue;
    const end = tokenEnd(text, start, prefix);
    if (end === -1) {
      if (prefix === JWT_PREFIX) jwtFailedUntil = base64UrlRunEnd(text, start);
      cursor = start + prefix.length;
      continue;
    }
    spans.push({ start: prefix === SLACK_WEBHOOK_HOST ? webhookStart(text, start) : start, end });
    cursor = end;
  }
}

// Per-scan memos (findPrefixedTokens is synchronous and resets them): where a failed JWT read's
// first segment ends, and the position after which no PEM END line exists.
let jwtFailedUntil = -1;
let pemEndMissingFrom = Infinity;

function base64UrlRunEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isBase64UrlChar(text.charCodeAt(i))) i++;
  return i;
}

function tokenEnd(text: string, start: number, prefix: string): number {
  if (prefix === JWT_PREFIX) return jwtEnd(text, start);
  if (prefix === PEM_BEGIN || prefix === PEM_BEGIN_LOWER) return pemEnd(text, start);
  if (prefix === SLACK_WEBHOOK_HOST) return webhookEnd(text, start + prefix.length);
  if (AWS_PREFIXES.has(prefix)) return awsKeyIdEnd(text, start);
  const rule = RULE_BY_PREFIX.get(prefix)!;
  if (rule.standalone && isAsciiAlnum(text.charCodeAt(start - 1))) return -1;
  const bodyStart = start + prefix.length;
  let end = bodyStart;
  while (end < text.length && isBodyChar(rule.body, text.charCodeAt(end))) end++;
  // A trailing dot or dash is punctuation after the token ("… glpat-xxxx.").
  while (end > bodyStart && (text.charCodeAt(end - 1) === 0x2e || text.charCodeAt(end - 1) === 0x2d)) end--;
  return end - bodyStart >= rule.minBody ? end : -1;
}

function isBodyChar(body: BodyChars, code: number): boolean {
  if (isAsciiAlnum(code)) return true;
  switch (body) {
    case 'base62': return false;
    case 'word': return code === 0x5f;
    case 'base64url': return code === 0x5f || code === 0x2d;
    case 'dotted': return code === 0x5f || code === 0x2d || code === 0x2e;
    case 'slack': return code === 0x2d;
  }
}

/** `AKIA` + 16 base-32 characters (A–Z, 2–7), not inside a longer upper-case token. */
function awsKeyIdEnd(text: string, start: number): number {
  const end = start + 4 + AWS_KEY_ID_BODY;
  if (end > text.length || isUpperAlnum(text.charCodeAt(start - 1)) || isUpperAlnum(text.charCodeAt(end))) return -1;
  for (let i = start + 4; i < end; i++) {
    const code = text.charCodeAt(i);
    if (!(isAsciiUpper(code) || (code >= 0x32 && code <= 0x37))) return -1;
  }
  return end;
}

function isUpperAlnum(code: number): boolean {
  return isAsciiUpper(code) || isDigit(code);
}

function isBase64UrlChar(code: number): boolean {
  return isAsciiAlnum(code) || code === 0x5f || code === 0x2d;
}

/**
 * A JWS (`header.payload.signature`, the signature empty for `alg: none`) or a JWE (five segments,
 * the encrypted key empty for `dir`), the header being base64url JSON (`eyJ`).
 */
function jwtEnd(text: string, start: number): number {
  const segmentEnds: number[] = [];
  let i = start;
  for (;;) {
    while (i < text.length && isBase64UrlChar(text.charCodeAt(i))) i++;
    segmentEnds.push(i);
    if (segmentEnds.length === 5 || text.charCodeAt(i) !== 0x2e) break;
    i++;
  }
  const length = (segment: number) => segmentEnds[segment]! - (segment === 0 ? start : segmentEnds[segment - 1]! + 1);
  if (length(0) < 10) return -1;
  if (segmentEnds.length === 5 && length(3) > 0 && length(2) > 0) return segmentEnds[4]!;
  if (segmentEnds.length >= 3 && length(1) >= 2) return length(2) > 0 ? segmentEnds[2]! : segmentEnds[1]! + 1;
  return -1;
}

const PEM_LABEL_MAX = 48;
const PEM_END = /-----END [A-Za-z0-9 ]{0,48}-----/gi;

/**
 * `-----BEGIN … PRIVATE KEY-----` (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP … BLOCK) to its matching
 * END line; without one the key runs to the end of the text, since a truncated key is still a key.
 */
function pemEnd(text: string, start: number): number {
  const labelStart = start + PEM_BEGIN.length;
  const close = text.indexOf('-----', labelStart);
  if (close === -1 || close - labelStart > PEM_LABEL_MAX) return -1;
  const label = text.slice(labelStart, close).toUpperCase();
  if (!label.includes('PRIVATE KEY') && !label.includes('SECRET KEY')) return -1;
  // No END line after an earlier BEGIN means none after this one either: not searched again.
  if (close + 5 >= pemEndMissingFrom) return text.length;
  PEM_END.lastIndex = close + 5;
  if (PEM_END.test(text)) return PEM_END.lastIndex;
  pemEndMissingFrom = close + 5;
  return text.length;
}

/** The header line of a PEM block (`-----BEGIN RSA PRIVATE KEY-----`) that starts at `start`. */
export function pemHeader(text: string, start: number): string {
  const close = text.indexOf('-----', start + PEM_BEGIN.length);
  return text.slice(start, close + 5);
}

/** The END line closing the PEM block in `text[start, end)`, or undefined when it was cut off. */
/**
 * The END line the match ends with, or undefined: only a well-formed `-----END <LABEL>-----` that
 * closes the match exactly, never free text after an `-----END ` that a hostile body wrote to have
 * it copied into the partial form.
 */
export function pemFooter(text: string, start: number, end: number): string | undefined {
  const footer = text.lastIndexOf('-----END ', end);
  const lower = text.lastIndexOf('-----end ', end);
  const at = Math.max(footer, lower);
  if (at <= start) return undefined;
  const line = text.slice(at, end);
  return PEM_END_LINE.test(line) ? line : undefined;
}

const PEM_END_LINE = /^-----(?:END|end) [A-Za-z0-9 ]{1,40}-----$/;

function webhookEnd(text: string, pathStart: number): number {
  const path = SLACK_WEBHOOK_PATHS.find((candidate) => text.startsWith(candidate, pathStart));
  if (path === undefined) return -1;
  let end = pathStart + path.length;
  while (end < text.length && (isBase64UrlChar(text.charCodeAt(end)) || text.charCodeAt(end) === 0x2f)) end++;
  return end - pathStart - path.length >= 8 ? end : -1;
}

/** Include the scheme before the host, so the partial form is the recognisable URL prefix. */
function webhookStart(text: string, host: number): number {
  if (text.startsWith('https://', host - 8)) return host - 8;
  if (text.startsWith('http://', host - 7)) return host - 7;
  return host;
}

/** The recognisable prefix a partial form may show: a token prefix, or undefined. */
export function knownPrefixAt(text: string, start: number): string | undefined {
  PREFIX_AT.lastIndex = start;
  return PREFIX_AT.exec(text)?.[0];
}
