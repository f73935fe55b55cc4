import type { DetectionContext, Detector, DetectorMatch } from './detector.types.js';
import { secretKeyKind } from './context-words.js';
import { authorizationCredential, findNamedSecrets, isSecretValue, mayHoldNamedSecret, MIN_CREDENTIAL_LENGTH, MIN_PASSWORD_LENGTH, SHORTEST_FREE_TEXT_SECRET } from './secret-fields.js';
import type { Span } from './secret-span.js';
import { findPrefixedTokens, knownPrefixAt, mayHoldPrefixedToken, PEM_BEGIN, pemFooter, pemHeader, SLACK_WEBHOOK_HOST } from './secret-tokens.js';

const HIDDEN = '****';

/**
 * Credentials, under one detector id: tokens that announce themselves (AWS access key ids, GitHub,
 * GitLab, Slack, Stripe and other prefixed tokens, JWTs, PEM private keys, Slack webhooks), the
 * credentials of `Bearer`/`Basic` schemes and Authorization headers, and the values of secret-like
 * names (password, token, api_key, client_secret …) in free text or given as the context key, when
 * long and random enough. See docs/detectors.md for the rules and their measured precision.
 */
export const secretDetector: Detector = {
  id: 'secret',
  find(text: string, out: DetectorMatch[], context?: DetectionContext): void {
    const spans: Span[] = [];
    findPrefixedTokens(text, spans);
    findNamedSecrets(text, spans);
    if (context?.key !== undefined) findKeyedSecret(text, context.key, spans);
    appendMerged(spans, out);
  },
  partial(text: string, start: number, end: number): string {
    // A recognisable prefix at most: nothing of the secret's body.
    const prefix = knownPrefixAt(text, start);
    if (prefix !== undefined && prefix.toUpperCase() === PEM_BEGIN) {
      const footer = pemFooter(text, start, end);
      return `${pemHeader(text, start)} [REDACTED]${footer === undefined ? '' : ' ' + footer}`;
    }
    if (prefix !== undefined && prefix !== SLACK_WEBHOOK_HOST) return prefix + HIDDEN;
    const webhook = text.indexOf(SLACK_WEBHOOK_HOST, start);
    if (webhook !== -1 && webhook <= start + 8) return text.slice(start, webhook + SLACK_WEBHOOK_HOST.length) + HIDDEN;
    return HIDDEN;
  },
  // Secrets have no spelling variants worth folding: the value as found.
  canonical: (text, start, end) => text.slice(start, end),
  // Under a secret-like key, a value may be an Authorization credential of four characters.
  // Otherwise every match starts from a prefix or a hint word, in a text at least as long as the
  // shortest, a named password (`pwd=` and eight characters; tokens, schemes and AWS keys are all
  // longer): the two regex tests are find's own first steps, without the rest of its work.
  mayMatchView: (text, context) => (text.length >= SHORTEST_FREE_TEXT_SECRET && (mayHoldPrefixedToken(text) || mayHoldNamedSecret(text)))
    || (text.length >= MIN_CREDENTIAL_LENGTH && context?.key !== undefined && secretKeyKind(context.key) !== undefined),
  // A secret-like context key makes any value of a password's length a candidate, and the key is
  // not part of the bytes asked about, so only a value too short for any rule can be ruled out.
  mayMatchAscii: (_bytes, start, end) => end - start >= MIN_PASSWORD_LENGTH,
};

/** The whole text is the value of `key` (a JSON string under its key, a form field, a header). */
function findKeyedSecret(text: string, key: string, spans: Span[]): void {
  const kind = secretKeyKind(key);
  if (kind === undefined) return;
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  if (kind === 'authorization') authorizationCredential(text, start, end, true, spans);
  else if (isSecretValue(text, start, end, kind)) spans.push({ start, end });
}

/** Spans from all scanners, sorted and merged where they overlap or touch, as the contract asks. */
function appendMerged(spans: Span[], out: DetectorMatch[]): void {
  if (spans.length === 0) return;
  if (spans.length > 1) spans.sort((a, b) => a.start - b.start || b.end - a.end);
  let current = spans[0]!;
  let { start, end } = current;
  for (let i = 1; i < spans.length; i++) {
    current = spans[i]!;
    if (current.start <= end) {
      end = Math.max(end, current.end);
      continue;
    }
    out.push({ detector: 'secret', start, end });
    ({ start, end } = current);
  }
  out.push({ detector: 'secret', start, end });
}
