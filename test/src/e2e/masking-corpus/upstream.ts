import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Served } from './corpus.types.js';

// The upstream the corpus is served from: one path per case (/case/<id>) with the case's exact
// bytes and headers, real Range/If-Range support, integrity headers over the bytes it sends, and
// event streams written event by event. It runs in the test process; the gateway is another.

export const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';
const PAUSE_MS = 25;

/** The strong ETag the upstream sends for a body. */
export const etagOf = (body: Buffer) => `"${createHash('sha1').update(body).digest('hex').slice(0, 20)}"`;

const b64 = (algorithm: string, body: Buffer) => createHash(algorithm).update(body).digest('base64');

export interface CorpusUpstream {
  readonly url: string;
  /** Request headers the upstream received for a case, in order. */
  seen(id: string): readonly IncomingHttpHeaders[];
  close(): Promise<void>;
}

type Range = { start: number; end: number };

/** `bytes=a-b, c-, -n` over a body of `size` bytes: the satisfiable ranges, or undefined if not a byte range. */
function parseRanges(header: string, size: number): Range[] | undefined {
  const m = /^bytes=(.+)$/i.exec(header.trim());
  if (!m) return undefined;
  const out: Range[] = [];
  for (const spec of m[1]!.split(',')) {
    const r = /^\s*(\d*)-(\d*)\s*$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    let start: number;
    let end: number;
    if (r[1] === '') {
      start = Math.max(0, size - Number(r[2]));
      end = size - 1;
    } else {
      start = Number(r[1]);
      end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
    }
    if (start <= end && start < size) out.push({ start, end });
  }
  return out;
}

function integrityHeaders(served: Served): [string, string][] {
  const out: [string, string][] = [];
  const body = served.body;
  for (const kind of served.integrity ?? []) {
    if (kind === 'digest') out.push(['Digest', `sha-256=${b64('sha256', body)}`]);
    if (kind === 'content-md5') out.push(['Content-MD5', b64('md5', body)]);
    if (kind === 'content-digest') out.push(['Content-Digest', `sha-256=:${b64('sha256', body)}:`]);
    if (kind === 'repr-digest') out.push(['Repr-Digest', `sha-512=:${b64('sha512', body)}:`]);
  }
  return out;
}

/** Want-Digest / Want-Content-Digest / Want-Repr-Digest (RFC 3230, RFC 9530): the digest asked for, over the unmasked bytes. */
function wantedDigests(request: IncomingHttpHeaders, body: Buffer): [string, string][] {
  const out: [string, string][] = [];
  if (request['want-digest']) out.push(['Digest', `sha-256=${b64('sha256', body)}`]);
  if (request['want-content-digest']) out.push(['Content-Digest', `sha-256=:${b64('sha256', body)}:`]);
  if (request['want-repr-digest']) out.push(['Repr-Digest', `sha-256=:${b64('sha256', body)}:`]);
  return out;
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

function answer(served: Served, request: IncomingHttpHeaders): Answer {
  const body = served.body;
  const headers: [string, string][] = served.headers.map(([k, v]) => [k, v]);
  const status = served.status ?? 200;
  const etag = etagOf(body);
  if (served.etag !== false) headers.push(['ETag', served.integrity?.includes('weak-etag') ? `W/${etag}` : etag]);
  headers.push(['Last-Modified', LAST_MODIFIED], ...integrityHeaders(served), ...wantedDigests(request, body));
  // Conditional requests answered as a real server does: each is an oracle on the unmasked bytes.
  const tags = (h: string | undefined) => (h ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (request['if-none-match'] !== undefined && (tags(request['if-none-match']).includes(etag) || request['if-none-match'].trim() === '*')) {
    return { status: 304, headers: headers.filter(([k]) => !/^content-/i.test(k)), body: Buffer.alloc(0) };
  }
  if (request['if-match'] !== undefined && !tags(request['if-match']).includes(etag) && request['if-match'].trim() !== '*') {
    return { status: 412, headers: headers.filter(([k]) => !/^content-/i.test(k)), body: Buffer.alloc(0) };
  }
  const contentType = served.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/octet-stream';
  if (served.force206) {
    const parts = served.force206 === 'multipart' ? [{ start: 0, end: (body.length >> 1) - 1 }, { start: body.length >> 1, end: body.length - 1 }] : [served.force206];
    return partial(headers, body, parts, contentType);
  }
  const ranges = status === 200 && served.ranges !== false;
  if (!ranges) return { status, headers, body };
  headers.push(['Accept-Ranges', 'bytes']);
  const rangeHeader = request.range;
  const ifRange = request['if-range'];
  if (!rangeHeader || (ifRange !== undefined && ifRange !== etag && ifRange !== LAST_MODIFIED)) return { status, headers, body };
  const parsed = parseRanges(rangeHeader, body.length);
  if (parsed === undefined) return { status, headers, body };
  if (parsed.length === 0) {
    const rest = headers.filter(([k]) => !/^content-(type|encoding)$/i.test(k));
    return { status: 416, headers: [...rest, ['Content-Range', `bytes */${body.length}`]], body: Buffer.alloc(0) };
  }
  return partial(headers, body, parsed, contentType);
}

function partial(headers: [string, string][], body: Buffer, ranges: Range[], contentType: string): Answer {
  if (ranges.length === 1) {
    const [r] = ranges;
    return { status: 206, headers: [...headers, ['Content-Range', `bytes ${r!.start}-${r!.end}/${body.length}`]], body: body.subarray(r!.start, r!.end + 1) };
  }
  const boundary = 'corpus-byteranges-boundary';
  const parts = ranges.map((r) => Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${body.length}\r\n\r\n`), body.subarray(r.start, r.end + 1), Buffer.from('\r\n')]));
  const rest = headers.filter(([k]) => k.toLowerCase() !== 'content-type');
  return { status: 206, headers: [...rest, ['Content-Type', `multipart/byteranges; boundary=${boundary}`]], body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]) };
}

const pause = () => new Promise((r) => setTimeout(r, PAUSE_MS));

async function write(res: http.ServerResponse, body: Buffer, cuts: readonly number[]): Promise<void> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= at || cut >= body.length) continue;
    res.write(body.subarray(at, cut));
    at = cut;
    await pause();
  }
  res.end(body.subarray(at));
}

export async function startCorpusUpstream(cases: ReadonlyMap<string, Served>): Promise<CorpusUpstream> {
  const seen = new Map<string, IncomingHttpHeaders[]>();
  const server = http.createServer((req, res) => {
    const id = /^\/case\/([A-Za-z0-9._-]+)$/.exec(req.url ?? '')?.[1];
    const served = id === undefined ? undefined : cases.get(id);
    if (!id || !served) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such case\n');
      return;
    }
    seen.set(id, [...(seen.get(id) ?? []), req.headers]);
    const { status, headers, body } = answer(served, req.headers);
    const chunked = served.chunked === true && status !== 416;
    const flat = headers.flat();
    if (!chunked) flat.push('Content-Length', String(body.length));
    if (served.trailers) flat.push('Trailer', served.trailers.map(([k]) => k).join(', '));
    if (served.earlyHints) res.writeEarlyHints(served.earlyHints);
    res.writeHead(status, flat);
    if (served.trailers) res.addTrailers(served.trailers.map(([k, v]) => [k, v] as [string, string]));
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    void write(res, body, status === 206 ? [] : (served.splitAt ?? [])).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: (id) => seen.get(id) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
