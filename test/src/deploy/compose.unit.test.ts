// Checks docker-compose.yml, the Dockerfiles and the files under deploy/ without Docker: what they
// promise (healthchecks, non-root, read-only, start order, no secrets, generated files up to date)
// and that they agree with the code (services/*, the config schema, the bus's stream declarations).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parsePortcullisConfig } from '@portcullis/config';
import { BusNames, ensureStreams } from '@portcullis/bus';
import { DEMO_CUSTOMERS } from '@portcullis/stack';
import { PEERS } from '@portcullis/service-kit';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface ComposeService {
  image?: string;
  command?: string[];
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  user?: string;
  cap_drop?: string[];
  security_opt?: string[];
}

interface Generator {
  TEMPLATE: string;
  SERVICES: { dir: string; port: number; health: string }[];
  renderAll(root: string): Map<string, string>;
}

// `merge`: the file shares settings through YAML anchors and `<<` merge keys, as compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const generator = (await import(pathToFileURL(join(root, 'deploy/gen-dockerfiles.mjs')).href)) as Generator;

const serviceDirs = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'services', entry.name, 'package.json')))
  .map((entry) => entry.name);
// saml-keys, dev-pki and nats-identities are one-shot jobs (the dev IdP's SAML signing pair, the
// mTLS certificates, the NATS identities, into volumes), not services.
const JOBS = new Set(['saml-keys', 'dev-pki', 'nats-identities']);
const INFRA = new Set(['nats', 'postgres', ...JOBS]);
const app = Object.entries(services).filter(([name]) => !INFRA.has(name));
const PROBE = ['CMD', 'node', '/app/deploy/health-probe.mjs'];

function workspaceDeps(dir: string): string[] {
  const manifest = JSON.parse(read(`${dir}/package.json`)) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

describe('docker-compose.yml', () => {
  it('runs NATS with JetStream, only the generated identities admitted, and a JetStream-aware healthcheck', () => {
    const nats = services.nats!;
    expect(nats.image).toMatch(/^nats:2\.10/);
    expect(nats.command).toEqual(['-c', '/etc/nats/nats.conf', '-m', '8222']);
    expect(nats.volumes).toEqual(expect.arrayContaining(['nats-data:/data', 'nats-config:/etc/nats:ro']));
    expect(nats.depends_on).toEqual({ 'nats-identities': { condition: 'service_completed_successfully' } });
    expect(nats.healthcheck?.test.join(' ')).toContain(':8222/healthz?js-enabled-only=true');
  });

  it('gives each bus service its own NATS seed, in a volume no other service mounts', () => {
    const job = services['nats-identities']!;
    expect((job.command as string[]).join(' ')).toContain('nats-identities.main.js /work portcullis 0.0.0.0:4222 /data');
    for (const name of ['ingress', 'policy', 'approvals', 'identity', 'audit']) {
      const service = services[name]!;
      expect(service.environment?.NATS_NKEY_SEED_FILE).toBe(`/etc/portcullis/nats/${name}.nk`);
      expect(service.volumes).toContain(`nats-seed-${name}:/etc/portcullis/nats:ro`);
      const mounting = Object.entries(services).filter(([, s]) => (s.volumes ?? []).some((v) => String(v).startsWith(`nats-seed-${name}:`))).map(([n]) => n);
      expect(mounting.sort()).toEqual([name, 'nats-identities'].sort());
    }
  });

  it('runs PostgreSQL with the portcullis database, a readiness check and no published port', () => {
    const postgres = services.postgres!;
    expect(postgres.image).toMatch(/^postgres:15/);
    expect(postgres.environment?.POSTGRES_DB).toBe('portcullis');
    expect(postgres.healthcheck?.test).toContain('pg_isready');
    // Trust auth is for a developer machine only, and then only on the compose network.
    expect(postgres.ports).toBeUndefined();
    expect(read('docker-compose.yml')).toMatch(/#[^\n]*Local development only[^\n]*\n(\s*#[^\n]*\n)*\s*POSTGRES_HOST_AUTH_METHOD: trust/);
  });

  it.each(serviceDirs)('has an entry for services/%s built from its own Dockerfile', (name) => {
    const service = services[name];
    expect(service, `docker-compose.yml has no service "${name}"`).toBeDefined();
    expect(service!.build?.context).toBe('.');
    expect(service!.build?.dockerfile).toBe(`services/${name}/Dockerfile`);
    expect(existsSync(join(root, service!.build!.dockerfile))).toBe(true);
  });

  it.each(app)('hardens %s: non-root, read-only, no capabilities, healthcheck', (_name, service) => {
    expect(service.read_only).toBe(true);
    expect(service.tmpfs).toContain('/tmp');
    expect(service.user).toBeDefined();
    expect(service.user).not.toMatch(/^(root|0)(:|$)/);
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.security_opt).toContain('no-new-privileges:true');
    expect(service.healthcheck?.test.slice(0, 3)).toEqual(PROBE);
    if (service.build?.dockerfile !== undefined) expect(existsSync(join(root, service.build.dockerfile))).toBe(true);
  });

  it.each(app)('starts %s only after what it depends on is healthy', (_name, service) => {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      expect(services[dependency], `unknown dependency ${dependency}`).toBeDefined();
      expect(condition, dependency).toBe(JOBS.has(dependency) ? 'service_completed_successfully' : 'service_healthy');
    }
  });

  it.each(generator.SERVICES.map((s) => [s.dir, s] as const))('wires %s to its listen address, bus, database and identity', (dir, spec) => {
    const name = dir.split('/').pop()!;
    const service = services[name]!;
    const env = service.environment ?? {};
    const deps = workspaceDeps(dir);
    // Listens on all interfaces of its container, on the port the image exposes and probes.
    expect(Object.values(env)).toContain(`0.0.0.0:${spec.port}`);
    if (spec.health.startsWith('grpc:')) expect(env[`${name.toUpperCase()}_GRPC_ADDR`]).toBe(`0.0.0.0:${spec.port}`);
    expect(service.healthcheck?.test.at(-1)).toBe(spec.health);
    if (deps.includes('@portcullis/bus')) {
      expect(service.depends_on?.nats).toEqual({ condition: 'service_healthy' });
      expect(env.NATS_URL).toBe('nats://nats:4222');
    }
    if (deps.includes('@portcullis/db')) {
      expect(service.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      expect(env.DATABASE_URL).toBe('postgres://postgres@postgres:5432/portcullis');
    }
    // Identity itself uses the client library only for the one list of its failure codes.
    if (deps.includes('@portcullis/identity-client') && name !== 'identity') {
      expect(service.depends_on?.identity).toEqual({ condition: 'service_healthy' });
      expect(env.IDENTITY_GRPC_ADDR).toBe('identity:50051');
    }
    if (deps.includes('@portcullis/config')) {
      expect(env.PORTCULLIS_CONFIG).toBe('/etc/portcullis/portcullis.yaml');
      expect(service.volumes).toContain('./deploy/portcullis.compose.yaml:/etc/portcullis/portcullis.yaml:ro');
    }
  });

  it('makes a certificate for every peer in dev-pki, and gives each gRPC party its own, read-only', () => {
    const script = services['dev-pki']!.command!.join(' ');
    expect(/peers="([a-z ]+)"/.exec(script)?.[1]?.split(' ').sort()).toEqual([...PEERS].sort());
    expect(script).toContain('URI:spiffe://portcullis/%s');
    const grpcParties = generator.SERVICES.filter((s) => s.health.startsWith('grpc:')).map((s) => s.dir.split('/').pop()!);
    for (const name of [...grpcParties, 'ingress']) {
      const service = services[name]!;
      expect(service.environment, name).toMatchObject({ PORTCULLIS_TLS_CA: '/etc/portcullis/tls/ca.pem', PORTCULLIS_TLS_CERT: `/etc/portcullis/tls/${name}.pem`, PORTCULLIS_TLS_KEY: `/etc/portcullis/tls/${name}.key` });
      // Its own volume: the CA certificate and its own pair, nobody else's key and never the CA's.
      expect(service.volumes, name).toContain(`tls-${name}:/etc/portcullis/tls:ro`);
      expect(service.volumes, name).not.toContain('dev-pki:/etc/portcullis/tls:ro');
      expect(services['dev-pki']!.volumes).toContain(`tls-${name}:/peers/${name}`);
      const mounting = Object.entries(services).filter(([, s]) => (s.volumes ?? []).some((v) => String(v).startsWith(`tls-${name}:`))).map(([n]) => n);
      expect(mounting.sort(), name).toEqual(['dev-pki', name].sort());
      expect(service.depends_on?.['dev-pki'], name).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(Object.entries(services).filter(([, s]) => (s.volumes ?? []).some((v) => String(v).startsWith('dev-pki:'))).map(([n]) => n)).toEqual(['dev-pki']);
  });

  it('gives ingress the address of every gRPC service, as clients', () => {
    const env = services.ingress!.environment ?? {};
    for (const spec of generator.SERVICES.filter((s) => s.health.startsWith('grpc:'))) {
      const name = spec.dir.split('/').pop()!;
      expect(env[`${name.toUpperCase()}_GRPC_ADDR`]).toBe(`${name}:${spec.port}`);
    }
  });

  it('publishes only ingress, the dev IdP, and what the CLI calls (approvals, audit, identity, policy), on 127.0.0.1', () => {
    const published = Object.entries(services).filter(([, s]) => s.ports !== undefined);
    expect(published.map(([name]) => name).sort()).toEqual(['approvals', 'audit', 'dev-idp', 'identity', 'ingress', 'policy']);
    for (const [, service] of published) for (const port of service.ports!) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('holds no secret values except the documented development defaults', () => {
    const allowed = new Set([
      '${DEMO_HTTP_API_KEY:-dev-only-demo-http-api-key}',
      '${DEMO_PG_PASSWORD:-dev-only-demo-pg-password}',
      '${DEMO_MCP_TOKEN:-dev-only-demo-mcp-token}',
      '${PORTCULLIS_MCP_SESSION_KEY:-ZGV2LW9ubHktbWNwLXNlc3Npb24ta2V5LTMyLWJ5dGU=}',
      '${PORTCULLIS_MASKING_TOKEN_KEY:-ZGV2LW9ubHktbWFza2luZy10b2tlbi1rZXktMzJieXQ=}',
      'dev-only-notes-key',
    ]);
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        expect(String(value), `${name}.${key} has credentials in a URL`).not.toMatch(/:\/\/[^/@\s]*:[^/@\s]*@/);
        if (/SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE/i.test(key)) expect(allowed, `${name}.${key}`).toContain(value);
      }
    }
  });

  it('builds the demo upstream from the shared template', () => {
    const build = services['demo-upstream']!.build!;
    expect(build.dockerfile).toBe(generator.TEMPLATE);
    expect(build.args).toMatchObject({ SERVICE_DIR: 'tools/demo-upstream', PACKAGE: '@portcullis/demo-upstream', PORT: '7500' });
    expect(services['demo-upstream']!.healthcheck?.test.at(-1)).toBe(build.args!.HEALTHCHECK_TARGET);
    expect(services['demo-upstream']!.environment?.DEMO_HTTP_API_KEY).toBe(services.ingress!.environment?.DEMO_HTTP_API_KEY);
  });
});

describe('Dockerfiles', () => {
  const dockerfiles = [generator.TEMPLATE, ...serviceDirs.map((name) => `services/${name}/Dockerfile`)];

  it('are generated for every service and up to date (node deploy/gen-dockerfiles.mjs)', () => {
    const generated = generator.renderAll(root);
    expect([...generated.keys()].sort()).toEqual(serviceDirs.map((name) => `services/${name}/Dockerfile`).sort());
    for (const [path, text] of generated) expect(read(path), `${path} is stale`).toBe(text);
  });

  it.each(dockerfiles)('%s: multi-stage, non-root, healthcheck, production runtime', (path) => {
    const text = read(path);
    const instructions = text.split('\n').filter((line) => /^[A-Z]+\s/.test(line));
    const froms = instructions.filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:20-bookworm-slim AS [a-z-]+$/);
    const runtime = instructions.slice(instructions.lastIndexOf(froms.at(-1)!));
    const users = runtime.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|\s*$)/);
    expect(runtime.some((line) => line.startsWith('HEALTHCHECK ') && line.includes('/app/deploy/health-probe.mjs'))).toBe(true);
    expect(runtime).toContain('CMD ["node", "dist/main.js"]');
    expect(text).toMatch(/ENV NODE_ENV=production/);
    // The runtime stage only copies: no package manager runs in it.
    expect(runtime.filter((line) => line.startsWith('RUN '))).toEqual([]);
    expect(text).toContain('npm ci --ignore-scripts');
    expect(text).toMatch(/npm ci --omit=dev --ignore-scripts --workspace=/);
  });

  it('.dockerignore keeps host builds, dependencies and local state out of the context', () => {
    const patterns = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const pattern of ['**/node_modules', '**/dist', '**/.turbo', '.git', '**/coverage', '.portcullis']) expect(patterns).toContain(pattern);
  });

  it('package-lock.json has every optional platform package, or `npm ci` in the image refuses it', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dependency of Object.keys(entry.optionalDependencies ?? {})) {
        const nested = `${path ? `${path}/` : ''}node_modules/${dependency}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${dependency}`]) missing.push(`${dependency} (of ${path || 'root'})`);
      }
    }
    expect(missing, 'regenerate the lockfile with every platform (npm install --package-lock-only)').toEqual([]);
  });
});

describe('deploy/portcullis.compose.yaml', () => {
  const config = parsePortcullisConfig(read('deploy/portcullis.compose.yaml'), 'deploy/portcullis.compose.yaml');
  const hostPort = (url: string) => {
    const { hostname, port } = new URL(url);
    return [hostname, Number(port)] as const;
  };

  it('is a valid Portcullis config with issuers, connections and policies', () => {
    expect(config.issuers.length).toBeGreaterThan(0);
    expect(config.connections.length).toBeGreaterThan(0);
    expect(config.policies.length).toBeGreaterThan(0);
  });

  it('is the root portcullis.yaml with compose host names, nothing else', () => {
    const local = read('portcullis.yaml')
      .replaceAll('http://127.0.0.1:7400', 'http://dev-idp:7400')
      .replaceAll('http://127.0.0.1:7500', 'http://demo-upstream:7500')
      .replaceAll('@127.0.0.1:5432/', '@postgres:5432/')
      .replaceAll('http://127.0.0.1:7700', 'http://demo-mcp:7700')
      .replaceAll('.portcullis/saml/', '/etc/portcullis/saml/');
    expect(config, 'portcullis.yaml changed: carry the change into deploy/portcullis.compose.yaml').toEqual(parsePortcullisConfig(local));
  });

  it('trusts the dev IdP under a name every container resolves', () => {
    expect(config.issuers.map((i) => i.issuer)).toContain(config.devIdp?.issuer);
    const [host, port] = hostPort(config.devIdp!.issuer);
    expect(services[host], `issuer host ${host} is not a compose service`).toBeDefined();
    expect(services[host]!.environment?.DEV_IDP_ADDR).toBe(`0.0.0.0:${port}`);
  });

  it('points every connection at a compose service and gives ingress its credential', () => {
    for (const connection of config.connections) {
      if (connection.upstream === undefined) continue; // a stdio MCP server: a process, not a host
      const [host, port] = hostPort(connection.upstream);
      expect(services[host], `upstream host ${host} is not a compose service`).toBeDefined();
      // An HTTP target listens where its environment says; PostgreSQL on its own port.
      if (connection.type === 'http' || connection.type === 'mcp') expect(Object.values(services[host]!.environment ?? {})).toContain(`0.0.0.0:${port}`);
      else expect([host, port]).toEqual(['postgres', 5432]);
      const credential = connection.credential;
      const secret = connection.type === 'postgres' ? connection.credential?.password : credential && 'secret' in credential ? credential.secret : undefined;
      if (secret && 'env' in secret) expect(services.ingress!.environment).toHaveProperty(secret.env);
    }
    // The demo database's login is made with the same password ingress holds.
    expect(services.postgres!.environment?.DEMO_PG_PASSWORD).toBe(services.ingress!.environment?.DEMO_PG_PASSWORD);
  });
});

describe('deploy/postgres/demo-database.sh', () => {
  it('seeds the same customers as `npm start` (tools/stack DEMO_CUSTOMERS)', () => {
    const literal = (v: string | null) => (v === null ? 'null' : `'${v.replaceAll("'", "''")}'`);
    const rows = DEMO_CUSTOMERS.map((c) => `  (${[c.name, c.email, c.card_number, c.note].map(literal).join(', ')})`).join(',\n');
    expect(read('deploy/postgres/demo-database.sh')).toContain(`insert into customers (name, email, card_number, note) values\n${rows};\n`);
  });
});

describe('deploy/nats stream definitions', () => {
  it('match the streams the services declare at start', async () => {
    const declared: Record<string, unknown>[] = [];
    const jsm = {
      streams: {
        // Missing until added; then what was added (ensureStreams checks the event stream's settings).
        info: async (name: string) => {
          const config = declared.find((c) => c.name === name);
          return config ? { config } : Promise.reject(new Error('stream not found'));
        },
        // Like JetStream, answers with the stream's info.
        add: async (config: Record<string, unknown>) => {
          declared.push(config);
          return { config };
        },
      },
    };
    await ensureStreams(jsm as unknown as Parameters<typeof ensureStreams>[0], new BusNames('portcullis'));
    const files = readdirSync(join(root, 'deploy/nats')).filter((file) => file.endsWith('.json'));
    expect(files.length).toBe(declared.length);
    for (const config of declared) {
      const file = `deploy/nats/${String(config.name).toLowerCase().replace(/_/g, '-')}.json`;
      const json = JSON.parse(read(file)) as Record<string, unknown>;
      // Settings the services leave out take the server's defaults: 0 (no age limit) for max_age.
      expect(json).toMatchObject({ max_age: 0, ...config });
    }
  });
});
