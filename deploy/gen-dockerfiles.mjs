#!/usr/bin/env node
// Writes services/<name>/Dockerfile from the template deploy/Dockerfile.service: a Dockerfile cannot
// include another one, so each service gets a full copy whose build arguments default to its own
// values. Adding a service means adding one line to SERVICES and running this script.
//
//   node deploy/gen-dockerfiles.mjs           write the Dockerfiles
//   node deploy/gen-dockerfiles.mjs --check   exit 1 if one is missing or stale (CI, the deploy test)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const TEMPLATE = 'deploy/Dockerfile.service';

/**
 * One line per service: its folder, the port it listens on and what the health probe asks
 * (deploy/health-probe.mjs: grpc:// = grpc.health.v1, http:// = GET answers 2xx).
 */
export const SERVICES = [
  { dir: 'services/dev-idp', port: 7400, health: 'http://127.0.0.1:7400/.well-known/openid-configuration' },
  { dir: 'services/identity', port: 50051, health: 'grpc://127.0.0.1:50051' },
  { dir: 'services/policy', port: 50052, health: 'grpc://127.0.0.1:50052' },
  { dir: 'services/approvals', port: 50053, health: 'grpc://127.0.0.1:50053' },
  { dir: 'services/masking', port: 50054, health: 'grpc://127.0.0.1:50054' },
  { dir: 'services/audit', port: 50055, health: 'grpc://127.0.0.1:50055' },
  { dir: 'services/ingress', port: 8080, health: 'http://127.0.0.1:8080/healthz' },
];

/** The template with its build arguments defaulted to this service's values. */
export function renderDockerfile(template, service, packageName) {
  const args = { SERVICE_DIR: service.dir, PACKAGE: packageName, PORT: String(service.port), HEALTHCHECK_TARGET: service.health };
  let text = template;
  for (const [name, value] of Object.entries(args)) {
    // Only the global declaration (the first one, before any FROM) gets the default; the stages'
    // bare `ARG NAME` lines inherit it.
    const declaration = new RegExp(`^ARG ${name}$`, 'm');
    if (!declaration.test(text)) throw new Error(`${TEMPLATE} has no "ARG ${name}" line`);
    text = text.replace(declaration, `ARG ${name}=${value}`);
  }
  const header = [
    `# GENERATED from ${TEMPLATE} by deploy/gen-dockerfiles.mjs for ${service.dir}. Do not edit:`,
    '# change the template (or the SERVICES table) and run `node deploy/gen-dockerfiles.mjs`.',
    '#',
  ].join('\n');
  return `${header}\n${text}`;
}

/** Every generated file, keyed by its path relative to the repository root. */
export function renderAll(root) {
  const template = readFileSync(join(root, TEMPLATE), 'utf8');
  const listed = new Set(SERVICES.map((s) => s.dir));
  const unlisted = readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'services', entry.name, 'package.json')))
    .map((entry) => `services/${entry.name}`)
    .filter((dir) => !listed.has(dir));
  if (unlisted.length > 0) throw new Error(`add ${unlisted.join(', ')} to SERVICES in deploy/gen-dockerfiles.mjs`);
  const files = new Map();
  for (const service of SERVICES) {
    const { name } = JSON.parse(readFileSync(join(root, service.dir, 'package.json'), 'utf8'));
    files.set(`${service.dir}/Dockerfile`, renderDockerfile(template, service, name));
  }
  return files;
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [path, text] of renderAll(root)) {
    const file = join(root, path);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    if (check) stale.push(path);
    else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`stale: ${stale.join(', ')} (run node deploy/gen-dockerfiles.mjs)\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
