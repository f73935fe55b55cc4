// `node test/dist/bench/identity.main.js`: the identity section of the bench alone. Starts the
// bench's stack as `npm run bench` does (without its pgbench database), so identity runs with the
// same config; the section itself talks only to the dev IdP and identity. Prints the section.
import { startGatewayStack } from './gateway.js';
import { measureIdentity } from './identity.js';
import { identityProblem, renderIdentitySection } from './identity-report.js';
import { runBench, type Cleanup } from './processes.js';
import { clientCredentials } from '@portcullis/service-kit';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(cleanup: Cleanup, dir: string): Promise<boolean> {
  say('starting the stack…');
  const gateway = await startGatewayStack(cleanup, dir, undefined);
  const section = await measureIdentity({ identityAddress: `127.0.0.1:${gateway.stack.ports.identity}`, identityCredentials: clientCredentials(gateway.stack.tls.material('ingress'), 'identity'), issuerUrl: gateway.stack.issuerUrl, token: () => gateway.token() }, say);
  process.stdout.write(`${renderIdentitySection(section)}\n`);
  const problem = identityProblem(section);
  if (problem) say(problem);
  return problem === undefined;
}

await runBench(say, 'portcullis-bench-identity-', main);
