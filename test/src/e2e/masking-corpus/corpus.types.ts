/**
 * The shapes of the masking corpus: what the upstream serves for a case, what was planted in it
 * (and so must not come back recoverable), and how a case may legitimately end in a refusal.
 */

/** Detector ids of issue 10's profile, plus `field` for a value only a field rule can find. */
export type PlantedKind = 'email' | 'card' | 'iban' | 'phone' | 'ssn' | 'secret' | 'field';

/**
 * A canonical form of a planted value. `digits`: compared with the digits of every view (cards,
 * phones, SSNs, IBAN BBANs), so separators, tags and notation cannot hide it. `text`: compared
 * case-insensitively with every view and with its letters-and-digits projection.
 */
export type Canonical = { readonly kind: 'digits'; readonly value: string } | { readonly kind: 'text'; readonly value: string };

/** A value planted in a case: if any of its forms can be recovered from the answer, it leaked. */
export interface Planted {
  readonly kind: PlantedKind;
  /** A short name for the report (never the whole value). */
  readonly label: string;
  readonly forms: readonly Canonical[];
}

/** Headers the upstream computes over the body it sends (the unmasked one). */
export type IntegrityHeader = 'etag' | 'weak-etag' | 'digest' | 'content-md5' | 'content-digest' | 'repr-digest';

/** What the upstream answers for a case: exact bytes and headers. */
export interface Served {
  readonly status?: number;
  /** Sent as given, in order (Content-Type with its charset, Content-Encoding, Set-Cookie, ...). */
  readonly headers: readonly (readonly [string, string])[];
  /** The bytes on the wire (already compressed where Content-Encoding says so). */
  readonly body: Buffer;
  /** The body before compression (what a client decodes it to), when it is compressed. */
  readonly plain?: Buffer;
  /** Writes cut at these byte offsets with a pause between: a stream, or a value cut across writes. */
  readonly splitAt?: readonly number[];
  /** No Content-Length (chunked); SSE streams are always sent so. */
  readonly chunked?: boolean;
  /** Integrity headers over `body`; an ETag is sent unless `etag: false`. */
  readonly integrity?: readonly IntegrityHeader[];
  readonly etag?: boolean;
  /** Real Range and If-Range support (default true for 200 answers). */
  readonly ranges?: boolean;
  /** Trailer fields after a chunked body (announced in a Trailer header). */
  readonly trailers?: readonly (readonly [string, string])[];
  /** A 103 Early Hints before the answer, with these headers. */
  readonly earlyHints?: Readonly<Record<string, string>>;
  /** A 206 whatever the request: one range of the body, or several as multipart/byteranges. */
  readonly force206?: { readonly start: number; readonly end: number } | 'multipart';
}

/** A gateway refusal a case may (or must) end in. */
export interface ExpectedRefusal {
  /** The HTTP status and gateway error code of each refusal that is acceptable. */
  readonly allowed: readonly (readonly [status: number, code: string])[];
  /** The answer must be one of these refusals (a 206 piece); otherwise masking also passes. */
  readonly required?: boolean;
}

export interface EvasionCase {
  /** Unique, URL-safe: served at /case/<id>. */
  readonly id: string;
  /** The class of evasion, for the summary ("card/separator", "charset/utf-16"). */
  readonly klass: string;
  /** The response format, for the summary ("application/json", "text/plain utf-16le gzip"). */
  readonly format: string;
  readonly planted: readonly Planted[];
  readonly served: Served;
  /** Headers the caller sends (Range, If-Range). */
  readonly request?: Readonly<Record<string, string>>;
  readonly refusal?: ExpectedRefusal;
  /** The answer, if forwarded, must be the whole document: these strings start and end it. */
  readonly whole?: { readonly first: string; readonly last: string };
}

export interface PrecisionCase {
  readonly id: string;
  /** What the look-alike is ("uuid", "epoch-millis", "prose"). */
  readonly klass: string;
  readonly format: string;
  readonly served: Served;
  /** The document's text before it was encoded (what a client decoding the answer must get). */
  readonly text: string;
}
