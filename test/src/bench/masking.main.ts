// `node test/dist/bench/masking.main.js [megabytes]`: the masking section of the bench alone (no stack needed).
import { measureMasking, renderMaskingSection } from './masking.js';

process.stdout.write(`${renderMaskingSection(measureMasking(Number(process.argv[2] ?? 8)))}\n`);
