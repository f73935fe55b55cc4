import http from 'node:http';
import { get } from './http-get.js';
import { median } from './stats.js';
import type { Target } from './targets.js';

/** `authn;dur=0.04, policy;dur=0.5;desc="…"` → [['authn', 0.04], ['policy', 0.5]]; entries without dur are skipped. */
export function parseServerTiming(header: string): [string, number][] {
  const out: [string, number][] = [];
  for (const entry of header.split(',')) {
    const [name, ...params] = entry.split(';').map((s) => s.trim());
    const dur = params.find((p) => /^dur=/i.test(p))?.slice(4);
    if (name && dur !== undefined && Number.isFinite(Number(dur))) out.push([name, Number(dur)]);
  }
  return out;
}

export interface StageBreakdown {
  readonly samples: number;
  /** Stage → median ms, in the order the gateway reports them. */
  readonly medians: ReadonlyMap<string, number>;
  /** Stage → in how many samples it appeared (policy, for one, only when no remembered decision answered). */
  readonly counts: ReadonlyMap<string, number>;
  /** Median of the stage sum: the part of a request's time the gateway accounts for. */
  readonly total: number;
  /** Median request time seen by this (node:http) client, for scale only. */
  readonly client: number;
}

/** Sequential node:http GETs on the gateway, only to read its server-timing header. */
export async function sampleStages(target: Target, samples: number): Promise<StageBreakdown> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = await target.headers();
  const stages = new Map<string, number[]>();
  const totals: number[] = [];
  const client: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      const answer = await get(target.port, target.path, headers, agent);
      client.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`stage sampling: gateway answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
      const timing = parseServerTiming(String(answer.headers['server-timing'] ?? ''));
      for (const [stage, dur] of timing) {
        const values = stages.get(stage) ?? [];
        values.push(dur);
        stages.set(stage, values);
      }
      totals.push(timing.reduce((sum, [, dur]) => sum + dur, 0));
    }
  } finally {
    agent.destroy();
  }
  return {
    samples,
    medians: new Map([...stages].map(([stage, values]) => [stage, median(values)])),
    counts: new Map([...stages].map(([stage, values]) => [stage, values.length])),
    total: median(totals),
    client: median(client),
  };
}
