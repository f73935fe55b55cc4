// Masking throughput in process: how many MB/s one core masks, per format, with every detector on
// (validators included: Luhn and issuer ranges, MOD-97, libphonenumber, SSN rules, entropy). A
// function call, not a hop, so it is timed in process: each round masks a whole corpus after a
// warm-up; the figure is the median round. Corpora are generated from a fixed seed, a few planted
// values per 10 KB among prose, logs, numbers and identifiers that look like them.
import { DETECTOR_IDS, valueMasker, type ValueMasker } from '@portcullis/detectors';
import { percentile } from './stats.js';

export interface MaskingFigure {
  readonly format: string;
  readonly megabytes: number;
  /** Median MB/s over the rounds (MB = 10^6 bytes of input). */
  readonly mbPerSecond: number;
  readonly findings: number;
  /** The issue's floor for this format, if it has one. */
  readonly target?: number;
}

const ROUNDS = 7;

/** xorshift32: the same corpus every run. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const WORDS = 'the order was shipped on time and the customer asked about the invoice total for last month while support checked the logs of request handler retry timeout queue worker database connection'.split(' ');
const PLANTED = ['4111 1111 1111 1111', 'jo.bloggs@example.com', 'DE89 3704 0044 0532 0130 00', '+44 20 7946 0958', '078-05-1121', 'ghp_0123456789abcdefghijABCDEFGHIJ012345', 'AKIAIOSFODNN7EXAMPLE'];
const NOISE = () => [`v${(Math.random() * 10) | 0}.${(Math.random() * 30) | 0}.${(Math.random() * 99) | 0}`, '2026-12-04T19:54:27.123Z', '550e8400-e29b-41d4-a716-446655440000', 'ORD-2024-000123456789', '1733341467123', '10.0.19045.3693', '$1,299.00', '4111111111111112'];

function sentence(next: () => number, noise: readonly string[]): string {
  const words: string[] = [];
  const length = 8 + Math.floor(next() * 12);
  for (let i = 0; i < length; i++) {
    const roll = next();
    words.push(roll < 0.06 ? noise[Math.floor(next() * noise.length)]! : WORDS[Math.floor(next() * WORDS.length)]!);
  }
  return `${words.join(' ')}.`;
}

/** Mixed text: prose and log lines, a planted value every ~4 KB. */
export function mixedText(bytes: number, seed = 1): string {
  const next = random(seed);
  const noise = NOISE();
  const parts: string[] = [];
  let size = 0;
  let sincePlant = 0;
  while (size < bytes) {
    let line = next() < 0.5 ? sentence(next, noise) : `2026-12-04 19:54:${String(Math.floor(next() * 60)).padStart(2, '0')} INFO worker-${Math.floor(next() * 16)} ${sentence(next, noise)}`;
    if (sincePlant > 4096) {
      line += ` contact ${PLANTED[Math.floor(next() * PLANTED.length)]}`;
      sincePlant = 0;
    }
    parts.push(line);
    size += line.length + 1;
    sincePlant += line.length + 1;
  }
  return parts.join('\n');
}

/** A JSON API response: an array of records, a planted value in about one record in 20. */
export function jsonDocument(bytes: number, seed = 2): string {
  const next = random(seed);
  const noise = NOISE();
  const records: string[] = [];
  let size = 0;
  for (let id = 1; size < bytes; id++) {
    const planted = next() < 0.05 ? PLANTED[Math.floor(next() * PLANTED.length)]! : `Customer ${id}`;
    const record = JSON.stringify({
      id,
      uuid: noise[2],
      status: next() < 0.5 ? 'shipped' : 'pending',
      total: Math.round(next() * 1e6) / 100,
      createdAt: noise[1],
      reference: `ORD-2024-${String(id).padStart(9, '0')}`,
      note: sentence(next, noise),
      contact: planted,
      tags: ['a', 'b', String(id % 7)],
      nested: { version: noise[0], count: id % 100, ok: true },
    });
    records.push(record);
    size += record.length + 1;
  }
  return `[${records.join(',')}]`;
}

function measure(format: string, input: string, mask: (text: string, findings: Record<string, number>) => string, target?: number): MaskingFigure {
  const bytes = Buffer.byteLength(input);
  let findings: Record<string, number> = {};
  for (let i = 0; i < 2; i++) mask(input, (findings = {}));
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    mask(input, (findings = {}));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(bytes / 1e6 / seconds);
  }
  return { format, megabytes: bytes / 1e6, mbPerSecond: percentile(rates, 50), findings: Object.values(findings).reduce((a, b) => a + b, 0), ...(target !== undefined ? { target } : {}) };
}

export function measureMasking(megabytes = 8): MaskingFigure[] {
  const masker: ValueMasker = valueMasker({ name: 'bench', detectors: [...DETECTOR_IDS], fields: ['password', 'secret'], columns: [] });
  const text = mixedText(megabytes * 1e6);
  const json = jsonDocument(megabytes * 1e6);
  const html = `<html><body>${text.split('\n').map((line) => `<p>${line.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('\n')}</body></html>`;
  const ndjson = (JSON.parse(json) as unknown[]).map((record) => JSON.stringify(record)).join('\n');
  const figures = [
    measure('text/plain (mixed prose and logs)', text, (t, f) => masker.maskDocument(t, 'text/plain', f), 100),
    measure('application/json (API records)', json, (t, f) => masker.maskDocument(t, 'application/json', f), 50),
    measure('application/x-ndjson', ndjson, (t, f) => masker.maskDocument(t, 'application/x-ndjson', f)),
    measure('text/html', html, (t, f) => masker.maskDocument(t, 'text/html', f)),
  ];
  return figures;
}

export function renderMaskingSection(figures: readonly MaskingFigure[]): string {
  return [
    '## Masking throughput in process',
    '',
    `One core masking a whole generated corpus with every detector on (${DETECTOR_IDS.join(', ')}; validators included) and two field rules; median of ${ROUNDS} rounds after two warm-up rounds. MB = 10^6 bytes of input.`,
    '',
    '| format | corpus MB | MB/s | values masked | floor |',
    '| --- | ---: | ---: | ---: | --- |',
    ...figures.map((f) => `| ${f.format} | ${f.megabytes.toFixed(1)} | ${f.mbPerSecond.toFixed(1)} | ${f.findings} | ${f.target === undefined ? '' : `≥ ${f.target} MB/s — ${f.mbPerSecond >= f.target ? 'PASS' : '**MISS**'}`} |`),
    '',
  ].join('\n');
}
