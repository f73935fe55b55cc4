import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header, headersNamed, type Received } from './client.js';
import type { EvasionCase, PrecisionCase, Served } from './corpus.types.js';
import { charsetOf, decodeContent, describeForm, findLeak, readBody, readHeaders } from './recover.js';
import { etagOf } from './upstream.js';

// What a case's answer must be. Evasion: nothing planted recoverable (body, headers, error
// body), refused only where the case allows it and with the code it names, never a 206 piece, no
// Range forwarded, and integrity headers that describe the bytes received. Precision: the same
// document back.

/** Request headers that make the upstream's answer depend on the unmasked bytes: never forwarded on a masked connection. */
const ORACLE_HEADERS = ['range', 'if-range', 'if-none-match', 'if-match'];

export type Outcome = 'masked' | 'refused' | 'failed';

export interface EvasionVerdict {
  readonly outcome: Outcome;
  readonly problems: readonly string[];
  /** How the answer refused, when it did ("502 RESPONSE_NOT_MASKABLE", "cut off after 0 bytes"). */
  readonly refusal?: string;
}

/** The gateway's refusal body `{"error":{"code":…}}`, if the answer is one. */
export function gatewayError(received: Received): { code: string } | undefined {
  if (received.status < 400 || !/json/i.test(header(received, 'content-type') ?? '')) return undefined;
  try {
    const code = (JSON.parse(received.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? { code } : undefined;
  } catch {
    return undefined;
  }
}

const hash = (algorithm: string, body: Buffer) => createHash(algorithm).update(body).digest('base64');
const ALGORITHMS: Record<string, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512', md5: 'md5', sha: 'sha1' };

/** Each `alg=value` of a Digest, Content-Digest or Repr-Digest header that does not match the body. */
function digestMismatches(name: string, value: string, body: Buffer): string[] {
  const out: string[] = [];
  for (const item of value.split(',')) {
    const m = /^\s*([A-Za-z0-9-]+)\s*=\s*:?([A-Za-z0-9+/=]+):?\s*$/.exec(item);
    const algorithm = m && ALGORITHMS[m[1]!.toLowerCase()];
    if (!m || !algorithm) continue;
    if (hash(algorithm, body) !== m[2]) out.push(`${name} ${m[1]} does not match the bytes received`);
  }
  return out;
}

/** Every header line the upstream sends for a case, as the client lists them (trailers, early hints too). */
export function servedHeaderLines(served: Served): [string, string][] {
  return [
    ...served.headers.map(([k, v]) => [k.toLowerCase(), v] as [string, string]),
    ...(served.trailers ?? []).map(([k, v]) => [`(trailer) ${k.toLowerCase()}`, v] as [string, string]),
    ...Object.entries(served.earlyHints ?? {}).map(([k, v]) => [`(103) ${k.toLowerCase()}`, v] as [string, string]),
  ];
}

/** The body a client ends up with: decoded as its Content-Encoding says (or as received). */
export const clientBody = (received: Received) => decodeContent(received.body, header(received, 'content-encoding')) ?? received.body;

const originalOf = (served: Served) => served.plain ?? served.body;

function integrityProblems(c: EvasionCase, received: Received): string[] {
  const problems: string[] = [];
  const lengths = headersNamed(received, 'content-length');
  if (lengths.length > 1) problems.push(`${lengths.length} Content-Length headers`);
  if (lengths.length === 1 && Number(lengths[0]) !== received.body.length) problems.push(`Content-Length ${lengths[0]} but ${received.body.length} bytes received`);
  const coding = header(received, 'content-encoding');
  if (coding && coding.toLowerCase() !== 'identity' && decodeContent(received.body, coding) === undefined) problems.push(`Content-Encoding "${coding}" does not decode`);
  const changed = !clientBody(received).equals(originalOf(c.served));
  const upstreamTag = etagOf(c.served.body);
  const etag = header(received, 'etag');
  if (changed && etag !== undefined && etag.replace(/^W\//, '') === upstreamTag) problems.push('the ETag of the unmasked body came back with a changed body');
  for (const name of ['digest', 'content-digest', 'repr-digest']) for (const value of headersNamed(received, name)) problems.push(...digestMismatches(name, value, received.body));
  const md5 = header(received, 'content-md5');
  if (md5 !== undefined && md5.trim() !== hash('md5', received.body)) problems.push('content-md5 does not match the bytes received');
  return problems;
}

const allowedText = (refusal: EvasionCase['refusal'] & object) => refusal.allowed.map(([status, code]) => `${status} ${code}`).join(' or ');

export function judgeEvasion(c: EvasionCase, received: Received, upstreamSaw: readonly IncomingHttpHeaders[]): EvasionVerdict {
  const problems: string[] = [];
  const readings = [readBody(received.body, header(received, 'content-type'), header(received, 'content-encoding')), readHeaders(received.headers)];
  for (const planted of c.planted) {
    const leak = findLeak(planted, readings);
    if (leak) problems.push(`leaked ${planted.kind} (${planted.label}): ${describeForm(leak.form)} in ${leak.how}`);
  }
  const oracles = Object.keys(c.request ?? {}).filter((name) => ORACLE_HEADERS.includes(name));
  for (const name of oracles) if (upstreamSaw.some((h) => h[name] !== undefined)) problems.push(`${name} was forwarded to the upstream`);
  const error = gatewayError(received);
  if (error) {
    const expected = c.refusal;
    if (!expected) problems.push(`refused ${received.status} ${error.code} where masking was expected`);
    else if (!expected.allowed.some(([status, code]) => status === received.status && code === error.code)) problems.push(`refused ${received.status} ${error.code}; allowed: ${allowedText(expected)}`);
    return { outcome: problems.length ? 'failed' : 'refused', problems, refusal: `${received.status} ${error.code}` };
  }
  if (received.cut) {
    if (!c.refusal || c.refusal.required) problems.push(`the answer (${received.status}) was cut off after ${received.body.length} bytes where masking was expected`);
    return { outcome: problems.length ? 'failed' : 'refused', problems, refusal: `${received.status} cut off after ${received.body.length} bytes` };
  }
  if (c.refusal?.required) problems.push(`answered ${received.status}; must be refused with ${allowedText(c.refusal)}`);
  if (received.status === 206) problems.push('a 206 piece came back');
  else if (received.status !== (c.served.status ?? 200) && !c.refusal?.required) problems.push(`answered ${received.status} without a gateway error, upstream said ${c.served.status ?? 200}`);
  problems.push(...integrityProblems(c, received));
  if (c.whole) {
    const text = clientBody(received).toString('utf8');
    if (!text.includes(c.whole.first) || !text.includes(c.whole.last)) problems.push('not the whole document');
  }
  return { outcome: problems.length ? 'failed' : 'masked', problems };
}

export interface PrecisionVerdict {
  readonly changed: boolean;
  /** Why it counts as changed, or how it came back unchanged ("identical", "transcoded"). */
  readonly detail: string;
}

function decodeText(bytes: Buffer, contentType: string | undefined): string | undefined {
  try {
    return new TextDecoder(charsetOf(contentType) ?? 'utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function judgePrecision(c: PrecisionCase, received: Received): PrecisionVerdict {
  const error = gatewayError(received);
  if (error) return { changed: true, detail: `refused ${received.status} ${error.code}` };
  if (received.cut) return { changed: true, detail: `cut off after ${received.body.length} bytes` };
  if (received.status !== (c.served.status ?? 200)) return { changed: true, detail: `answered ${received.status}` };
  const got = clientBody(received);
  const original = originalOf(c.served);
  if (got.equals(original)) return { changed: false, detail: 'identical' };
  // Another charset (the gateway sends UTF-8) is no change if the text is the same.
  const gotText = decodeText(got, header(received, 'content-type'))?.replace(/^\ufeff/, '');
  if (gotText === c.text) return { changed: false, detail: 'transcoded' };
  return { changed: true, detail: firstDifference(c.text, gotText ?? got.toString('latin1')) };
}

/** Where two texts first differ, with a little context (precision documents hold nothing secret). */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 12), i + 28));
  return `changed at ${i}: ${show(a)} → ${show(b)}`;
}
