// `node test/dist/bench/identity.main.js`: the identity section of the bench alone. Starts the
// bench's stack as `npm run bench` does (without its pgbench database), so identity runs with the
// same config; the section itself talks only to the dev IdP and identity. Prints the section.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayStack } from './gateway.js';
import { measureIdentity } from './identity.js';
import { identityProblem, renderIdentitySection } from './identity-report.js';
import { Cleanup } from './processes.js';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(cleanup: Cleanup): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-identity-'));
  let keepDir = true;
  cleanup.add('temp dir', async () => {
    if (keepDir) say(`logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  say('starting the stack…');
  const gateway = await startGatewayStack(cleanup, dir, undefined);
  const section = await measureIdentity({ identityAddress: `127.0.0.1:${gateway.stack.ports.identity}`, issuerUrl: gateway.stack.issuerUrl, token: () => gateway.token() }, say);
  process.stdout.write(`${renderIdentitySection(section)}\n`);
  const problem = identityProblem(section);
  if (problem) say(problem);
  keepDir = problem !== undefined;
  return problem === undefined;
}

const cleanup = new Cleanup(say);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping everything…`);
    void cleanup.run().finally(() => process.exit(130));
  });
}
let ok = false;
try {
  ok = await main(cleanup);
} catch (err) {
  say(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup.run();
}
process.exitCode = ok ? 0 : 1;
