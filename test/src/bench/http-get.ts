import http, { type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One GET on 127.0.0.1 with node:http (bounded by a 10 s timeout). Not a load client. */
export function get(port: number, path: string, headers: Readonly<Record<string, string>>, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${path} timed out`)));
    req.once('error', reject);
    req.end();
  });
}
