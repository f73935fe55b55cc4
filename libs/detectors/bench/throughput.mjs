// Scratch throughput measurement of all six detectors' find() on ~10 MB of mixed ASCII text
// (prose, log lines, JSON-ish records) with a few planted values. Not a test: run it by hand after
// `npm run build -w @portcullis/detectors`:  node libs/detectors/bench/throughput.mjs [MB] [rounds] [prose share]
import { corpus, PLANTED } from './corpus.mjs';

// DETECTORS_DIST points at another build (an A/B against an earlier commit); default ../dist.
const dist = process.env.DETECTORS_DIST ?? '../dist';
const { DETECTOR_IDS } = await import(`${dist}/detector-id.js`);
const { detectorFor } = await import(`${dist}/detector.registry.js`);

const targetMb = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 5);
const proseShare = Number(process.argv[4] ?? 0.35);

const text = corpus(targetMb * 1_000_000, proseShare);
let digits = 0;
for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) digits++;
const detectors = DETECTOR_IDS.map((id) => detectorFor(id));
const CHUNK = 64 * 1024; // texts of document size, as the engine hands a body over
const chunks = [];
for (let i = 0; i < text.length; i += CHUNK) chunks.push(text.slice(i, i + CHUNK));

function run(selected) {
  let matches = 0;
  const out = [];
  for (const chunk of chunks) {
    out.length = 0;
    for (const detector of selected) detector.find(chunk, out);
    matches += out.length;
  }
  return matches;
}

function measure(label, selected) {
  run(selected); // warm up
  let best = Infinity;
  let matches = 0;
  for (let round = 0; round < rounds; round++) {
    // CPU time of this process, not wall time: the machine is shared, and the target is per core.
    const started = process.cpuUsage();
    matches = run(selected);
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  const mbPerSecond = text.length / 1e6 / best;
  console.log(`${label.padEnd(8)} ${mbPerSecond.toFixed(0).padStart(6)} MB/s  (CPU time, best of ${rounds}; ${matches} matches)`);
  return mbPerSecond;
}

console.log(`${(text.length / 1e6).toFixed(1)} MB mixed text (prose share ${proseShare}, ${((digits / text.length) * 100).toFixed(0)} % digits) in ${chunks.length} chunks of ${CHUNK / 1024} KiB; ${PLANTED.length} kinds of planted value every 100 kB`);
for (const detector of detectors) measure(detector.id, [detector]);
measure('all six', detectors);
