import { createHmac } from 'node:crypto';
import type { Detector } from './detector.types.js';
import { MaskingError } from './masking-error.js';
import type { MaskStyle } from './masking.types.js';
import { REDACTED } from './redaction.js';

/** Shortest token key accepted: HMAC-SHA-256's block of security. */
export const MIN_TOKEN_KEY_BYTES = 32;

/** Hex digits of a token: 96 bits, far beyond any collision in a response stream. */
const TOKEN_HEX = 24;

/**
 * What a found value becomes under a style. The partial form comes from the detector; the token is
 * the keyed HMAC of the value's canonical form, so every spelling of one value gives one token.
 */
export interface Replacer {
  detector(detector: Detector, style: MaskStyle, text: string, start: number, end: number): string;
  /** A field rule's value (its JSON text, or the decoded string), under the field's style. */
  field(style: MaskStyle, value: string): string;
}

export function replacer(profile: string, tokenKey: Uint8Array | undefined, tokenises: boolean): Replacer {
  if (tokenises && (tokenKey === undefined || tokenKey.length < MIN_TOKEN_KEY_BYTES)) {
    throw new MaskingError('MISSING_TOKEN_KEY', `Masking profile ${JSON.stringify(profile)} tokenises, but no token key of at least ${MIN_TOKEN_KEY_BYTES} bytes is configured`);
  }
  const token = (kind: string, canonical: string) =>
    `tok_${kind}_${createHmac('sha256', tokenKey!).update(kind).update('\0').update(canonical).digest('hex').slice(0, TOKEN_HEX)}`;
  return {
    detector(detector, style, text, start, end) {
      if (style === 'partial') return detector.partial(text, start, end);
      if (style === 'tokenise') return token(detector.id, detector.canonical(text, start, end));
      return `[REDACTED:${detector.id}]`;
    },
    field(style, value) {
      return style === 'tokenise' ? token('field', value) : REDACTED;
    },
  };
}
