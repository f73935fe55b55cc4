// `node test/dist/bench/policy.main.js`: the policy section of the bench alone (no stack needed).
import { measurePolicy, renderPolicySection } from './policy.js';

process.stdout.write(`${renderPolicySection(await measurePolicy())}\n`);
