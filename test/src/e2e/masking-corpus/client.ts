import http from 'node:http';

/** An answer exactly as it came off the wire: no decompression, no decoding, every header line. */
export interface Received {
  readonly status: number;
  /**
   * Header lines in order, names lower-cased (repeated names kept: Set-Cookie); trailer fields
   * follow as `(trailer) name`, headers of informational answers as `(1xx) name`.
   */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** The answer was cut off before its end (what came before is in `body`). */
  readonly cut?: boolean;
}

export const header = (r: Pick<Received, 'headers'>, name: string) => r.headers.find(([k]) => k === name)?.[1];
export const headersNamed = (r: Pick<Received, 'headers'>, name: string) => r.headers.filter(([k]) => k === name).map(([, v]) => v);

/**
 * A GET as a client that wants to see everything: node:http rather than fetch, which would
 * decompress and hide what the gateway actually sent.
 */
export function rawGet(url: string, headers: Readonly<Record<string, string>>, timeoutMs = 30_000): Promise<Received> {
  return new Promise((resolve, reject) => {
    const informational: [string, string][] = [];
    const req = http.get(url, { headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (cut: boolean) => {
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        for (let i = 0; i + 1 < res.rawTrailers.length; i += 2) pairs.push([`(trailer) ${res.rawTrailers[i]!.toLowerCase()}`, res.rawTrailers[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: [...pairs, ...informational], body: Buffer.concat(chunks), ...(cut ? { cut } : {}) });
      };
      res.on('end', () => done(false));
      // A stream the gateway cuts off (fail closed mid-answer) ends in an error or a close without an end.
      res.on('error', () => done(true));
      res.on('close', () => done(!res.complete));
    });
    req.on('information', (info) => {
      for (let i = 0; i + 1 < info.rawHeaders.length; i += 2) informational.push([`(${info.statusCode}) ${info.rawHeaders[i]!.toLowerCase()}`, info.rawHeaders[i + 1]!]);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
