import http from 'node:http';
import { get } from './http-get.js';

export const TARGET_NAMES = ['direct', 'nginx', 'bare-hop', 'gateway'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** One way of serving the same allowed `GET /echo` of the demo upstream. */
export interface Target {
  readonly name: TargetName;
  readonly port: number;
  readonly path: string;
  /** Headers for one measurement (the gateway mints a fresh token each time). */
  headers(): Promise<Record<string, string>>;
}

/** What each target does, for the report. */
export const TARGET_DESCRIPTIONS: Record<TargetName, string> = {
  direct: 'the demo upstream itself (its own Node process), called with its API key',
  nginx: 'nginx as a bare reverse-proxy hop: 1 worker, keep-alive upstream pool, HTTP/1.1 upstream, injects the API key',
  'bare-hop':
    'a bare Node.js hop (own process, no enforcement): keep-alive http.Agent, request body buffered, Authorization replaced by the API key, response buffered, one JSON.parse + JSON.stringify, content-length',
  gateway:
    'the whole Portcullis stack via `/http/demo-http/echo` with a dev-IdP token of `demo-agent`: token check, policy decision, durable events, forward with the held credential, masking (profile `default`), completion event, audit',
};

/**
 * Checks a target answers the GET with 200 and the upstream's echo before it is measured, so a
 * misconfigured hop (wrong key: 401 from the upstream) cannot pass as fast. Returns the body size.
 */
export async function preflight(target: Target): Promise<number> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const answer = await get(target.port, target.path, await target.headers(), agent);
    if (answer.status !== 200) throw new Error(`${target.name}: GET ${target.path} answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
    const echo = JSON.parse(answer.body.toString('utf8')) as { path?: unknown };
    if (echo.path !== '/echo') throw new Error(`${target.name}: GET ${target.path} did not reach the upstream's /echo: ${answer.body.toString('utf8').slice(0, 300)}`);
    return answer.body.length;
  } finally {
    agent.destroy();
  }
}
