import { createHash } from 'node:crypto';
import { MaskingError, maskBytes, REDACTED, valueMasker, type MaskBytesFailure, type MaskingErrorCode, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import { refusal, type Refusal, type RefusalCode } from '../domain/refusal.js';
import { BYTE_EXACT, type ReplyHeaders } from './response-headers.js';

/** Counts per detector id (and `field`), added to as values are masked. */
export type Counts = Record<string, number>;

export type Compiled = { readonly ok: true; readonly masker: ValueMasker } | { readonly ok: false; readonly refusal: Refusal };

/** Profiles compiled once while they are in use (a profile object is replaced, not changed, when the masking service publishes). */
const compiled = new WeakMap<MaskingProfile, ValueMasker>();

/** The profile compiled; a profile that cannot be compiled (unknown detector, no token key) is a refusal. */
export function maskerFor(profile: MaskingProfile): Compiled {
  let masker = compiled.get(profile);
  if (!masker) {
    try {
      masker = valueMasker(profile);
    } catch (err) {
      if (err instanceof MaskingError) return { ok: false, refusal: refusal('MASKING_FAILED', 'the masking profile cannot be applied', [], err.message) };
      throw err;
    }
    compiled.set(profile, masker);
  }
  return { ok: true, masker };
}

/** What a body that could not be masked is refused as (an oversize one is too large; the gateway's own failure is MASKING_FAILED). */
const REFUSAL: Record<MaskBytesFailure, RefusalCode> = {
  UNSUPPORTED_CONTENT_TYPE: 'RESPONSE_NOT_MASKABLE',
  UNSUPPORTED_ENCODING: 'RESPONSE_NOT_MASKABLE',
  INVALID_JSON: 'RESPONSE_NOT_MASKABLE',
  INVALID_ENCODING: 'RESPONSE_NOT_MASKABLE',
  TOO_LARGE: 'RESPONSE_TOO_LARGE',
  MASKING_FAILED: 'MASKING_FAILED',
};

/** What a stream cut off by a MaskingError is recorded as: the event's fault, or the gateway's (a profile that cannot apply). */
const STREAM_REFUSAL: Record<MaskingErrorCode, RefusalCode> = {
  INVALID_JSON: 'RESPONSE_NOT_MASKABLE',
  UNSUPPORTED_CONTENT_TYPE: 'RESPONSE_NOT_MASKABLE',
  INVALID_ENCODING: 'RESPONSE_NOT_MASKABLE',
  TOO_LARGE: 'RESPONSE_TOO_LARGE',
  UNKNOWN_DETECTOR: 'MASKING_FAILED',
  INVALID_COLUMN_PATTERN: 'MASKING_FAILED',
  MISSING_TOKEN_KEY: 'MASKING_FAILED',
  INVALID_STYLE: 'MASKING_FAILED',
  MASKING_FAILED: 'MASKING_FAILED',
};

export function refusalCodeOf(code: MaskingErrorCode): RefusalCode {
  return STREAM_REFUSAL[code];
}

export type BodyMasking = { readonly ok: true; readonly body: Buffer; readonly contentType: string; readonly findings: Readonly<Counts> } | { readonly ok: false; readonly refusal: Refusal };

/**
 * Masks a whole HTTP response body in-process: its Content-Encoding undone (bounded by
 * `maxBytes` decoded), its charset decoded, the format's structure and detectors applied; the
 * result is identity-coded UTF-8 of the content type returned. A body that cannot be read is a
 * refusal: it does not leave the gateway.
 */
export function maskBody(masker: ValueMasker, body: Uint8Array, source: { readonly contentType: string; readonly contentEncoding: string; readonly maxBytes: number }): BodyMasking {
  const outcome = maskBytes(body, source, masker);
  if (outcome.ok) return { ok: true, body: Buffer.from(outcome.body), contentType: outcome.contentType, findings: outcome.findings };
  return { ok: false, refusal: refusal(REFUSAL[outcome.code], `the response could not be masked, so it was withheld: ${outcome.message}`) };
}

export type HeaderMasking = { readonly ok: true; readonly headers: ReplyHeaders } | { readonly ok: false; readonly refusal: Refusal };

/**
 * Response header values through the detectors, each with its header's name as context (so an
 * `X-Api-Key` value is read as a key's value; a Set-Cookie value under its cookie's name); the
 * counts per detector are added to `findings`. Field rules do not apply to headers. A header
 * that must stay byte-exact (BYTE_EXACT), or a header *name*, holding a value the profile masks
 * cannot be rewritten: the reply is refused.
 */
export function maskHeaders(masker: ValueMasker, headers: ReplyHeaders, findings: Counts): HeaderMasking {
  if (!masker.detects && !masker.hasFields) return { ok: true, headers };
  const out: ReplyHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const found: Counts = {};
    if (masker.maskText(name, found) !== name) return { ok: false, refusal: withheld('a response header name holds a value the masking profile hides, and names cannot be masked') };
    const masked = Array.isArray(value) ? value.map((v) => maskHeaderValue(masker, name, v, found)) : maskHeaderValue(masker, name, value, found);
    const changed = Array.isArray(value) ? value.some((v, i) => v !== masked[i]) : value !== masked;
    if (changed && BYTE_EXACT.has(name)) return { ok: false, refusal: withheld(`response header ${name} holds a value the masking profile hides, and it must be sent unchanged`) };
    for (const [kind, count] of Object.entries(found)) findings[kind] = (findings[kind] ?? 0) + count;
    out[name] = masked;
  }
  return { ok: true, headers: out };
}

/**
 * One header value. Node gives header bytes as latin1 characters: a value with bytes over 0x7f
 * that is valid UTF-8 is read as UTF-8 (a Unicode address must not hide as mojibake) and, when
 * masked, written back as UTF-8 bytes.
 */
function maskHeaderValue(masker: ValueMasker, name: string, value: string, findings: Counts): string {
  // A header named by a field rule (`X-Password`, `Password`) is that field's value.
  if (isFieldName(masker, name) || (name.startsWith('x-') && isFieldName(masker, name.slice(2)))) {
    findings.field = (findings.field ?? 0) + 1;
    return REDACTED;
  }
  const utf8 = decodedUtf8(value);
  const text = utf8 ?? value;
  const masked = name === 'set-cookie' ? maskSetCookie(masker, text, findings) : URL_VALUED.has(name) ? maskUrl(masker, name, text, findings) : masker.maskText(text, findings, { key: name });
  if (masked === text) return value;
  return utf8 === undefined ? masked : Buffer.from(masked, 'utf8').toString('latin1');
}

/** Headers whose value is a URL: its query is a form (field rules apply to its names). */
const URL_VALUED: ReadonlySet<string> = new Set(['location', 'content-location']);

function isFieldName(masker: ValueMasker, name: string): boolean {
  return masker.hasFields && masker.redactsColumn(name, undefined);
}

/** A URL: detectors over the whole, then its query as a form (`?password=…`, `?email=…`). */
function maskUrl(masker: ValueMasker, name: string, text: string, findings: Counts): string {
  const masked = masker.maskText(text, findings, { key: name });
  const question = masked.indexOf('?');
  if (question === -1 || !masker.hasFields) return masked;
  const hash = masked.indexOf('#', question);
  const query = hash === -1 ? masked.slice(question + 1) : masked.slice(question + 1, hash);
  const maskedQuery = masker.maskDocument(query, 'application/x-www-form-urlencoded', findings);
  return maskedQuery === query ? masked : masked.slice(0, question + 1) + maskedQuery + (hash === -1 ? '' : masked.slice(hash));
}

/** `name=value; Path=/; …`: the value under the cookie's name, the attributes under `set-cookie`. */
function maskSetCookie(masker: ValueMasker, text: string, findings: Counts): string {
  const semicolon = text.indexOf(';');
  const pair = semicolon === -1 ? text : text.slice(0, semicolon);
  const attributes = semicolon === -1 ? '' : text.slice(semicolon);
  const equals = pair.indexOf('=');
  const cookieName = equals === -1 ? '' : pair.slice(0, equals);
  const cookieValue = equals === -1 ? pair : pair.slice(equals + 1);
  const maskedName = cookieName === '' ? '' : masker.maskText(cookieName, findings, { key: 'set-cookie' });
  const named = cookieName.trim();
  let maskedValue: string;
  if (named !== '' && isFieldName(masker, named)) {
    findings.field = (findings.field ?? 0) + 1;
    maskedValue = REDACTED;
  } else {
    maskedValue = masker.maskText(cookieValue, findings, named === '' ? { key: 'set-cookie' } : { key: named });
  }
  const maskedAttributes = attributes === '' ? '' : masker.maskText(attributes, findings, { key: 'set-cookie' });
  return `${equals === -1 ? '' : `${maskedName}=`}${maskedValue}${maskedAttributes}`;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function decodedUtf8(value: string): string | undefined {
  if (!/[\x80-\xff]/.test(value)) return undefined;
  try {
    return utf8Decoder.decode(Buffer.from(value, 'latin1'));
  } catch {
    return undefined;
  }
}

function withheld(why: string): Refusal {
  return refusal('RESPONSE_NOT_MASKABLE', `the response could not be masked, so it was withheld: ${why}`);
}

/** An RFC 9530 digest field value of `body`: `sha-256=:<base64>:`. */
export function sha256DigestField(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}
