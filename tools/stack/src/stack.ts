import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUS_SERVICES, BusNames, type BusService } from '@portcullis/bus';
import { generateSamlSigningPair } from '@portcullis/dev-idp';
import { ensureDevPki, type DevPki } from '@portcullis/dev-pki';
import { seedDemoDatabase } from './demo-database.js';
import { ensureNats, ensurePostgres, type Say } from './infra.js';
import { writeNatsIdentities, type NatsIdentities } from './nats-identities.js';

/** Repository root, found from this file (tools/stack/dist/stack.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'dev-idp' | 'demo-upstream' | 'demo-mcp' | 'identity' | 'policy' | 'masking' | 'audit' | 'approvals' | 'ingress';

export interface Ports {
  readonly devIdp: number;
  readonly demoUpstream: number;
  readonly identity: number;
  readonly policy: number;
  readonly approvals: number;
  readonly masking: number;
  readonly audit: number;
  readonly ingress: number;
  /** Ingress's PostgreSQL wire listener. */
  readonly ingressPg: number;
  /** The demo MCP server (Streamable HTTP). */
  readonly demoMcp: number;
  /** Audit's /metrics and /readyz; any free port when left out. */
  readonly auditHttp?: number;
}

export const DEFAULT_PORTS: Ports = { devIdp: 7400, demoUpstream: 7500, identity: 50051, policy: 50052, approvals: 50053, masking: 50054, audit: 50055, ingress: 8080, ingressPg: 15432, demoMcp: 7700, auditHttp: 9465 };

/** The database behind `demo-pg` in portcullis.yaml, which `npm start` seeds on DATABASE_URL's server. */
export const DEMO_DATABASE = { database: 'portcullis_demo', role: 'portcullis_demo' } as const;

export interface StackOptions {
  readonly configPath: string;
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly namespace?: string;
  readonly ports?: Ports;
  /** How many policy instances (each on its own gRPC port) to run. */
  readonly policyInstances?: number;
  /** Start the demo upstream process (tests may run their own in-process instead). */
  readonly demoUpstream?: boolean;
  /** Start the demo MCP server process (default true). */
  readonly demoMcp?: boolean;
  /** Ingress instances (default 1); the others get free ports (ingressUrls). */
  readonly ingressInstances?: number;
  readonly logDir: string;
  readonly logLevel?: string;
  /** Where the dev IdP's SAML signing key and certificate live; created there when missing. */
  readonly samlKeysDir?: string;
  /**
   * Where each service's NATS identity (an nkey seed) and the server configuration admitting
   * only them live; created there when missing. Every service then connects as itself.
   */
  readonly natsIdentitiesDir?: string;
  /** Start nats-server (with the identities' configuration, if any) when nothing answers at natsUrl locally. */
  readonly startNats?: boolean;
  /** Where the development CA and every peer's certificate live (made or reused there); each service gets its own. */
  readonly tlsDir: string;
  /** Start nats-server / PostgreSQL when they are local and not running, and seed DEMO_DATABASE. */
  readonly startInfra?: boolean;
  /** Extra variables for every service; the target credentials among them go only where they belong. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags for every service process, e.g. `--cpu-prof` to profile under load. */
  readonly nodeArgs?: readonly string[];
  readonly say?: Say;
}

interface Instance {
  readonly id: string;
  readonly service: ServiceName;
  readonly entry: string;
  readonly env: Record<string, string>;
  /** What deploy/health-probe.mjs asks to decide the process is ready (grpc://, http://, tcp://). */
  readonly health: string;
  child?: ChildProcess;
  log?: WriteStream;
}

/** A running stack of real processes. */
export class Stack {
  private readonly instances: Instance[] = [];
  private infra: ChildProcess[] = [];
  private stopping = false;
  readonly ports: Ports;
  readonly namespace: string;
  /** The credential only the gateway holds for demo-http; tests compare fingerprints with it. */
  readonly demoApiKey: string;
  /** The password of the demo database's role, which only the gateway holds (DEMO_PG_PASSWORD). */
  readonly demoPgPassword: string;
  /** The token only the gateway holds for demo-mcp (DEMO_MCP_TOKEN). */
  readonly demoMcpToken: string;
  /** The key the notes stdio server needs (NOTES_KEY), given only to ingress, which spawns it. */
  readonly notesKey: string;
  /** The key every ingress instance seals MCP session ids with (PORTCULLIS_MCP_SESSION_KEY). */
  readonly mcpSessionKey: string;
  /** The tokenise style's HMAC key (PORTCULLIS_MASKING_TOKEN_KEY), given to ingress and masking only. */
  readonly maskingTokenKey: string;
  private readonly extraIngress: { http: number; pg: number }[] = [];
  /** The services' NATS identities, once start() has written them (natsIdentitiesDir). */
  natsIdentities: NatsIdentities | undefined;
  private pki: DevPki | undefined;

  constructor(private readonly options: StackOptions) {
    this.ports = options.ports ?? DEFAULT_PORTS;
    this.namespace = options.namespace ?? 'portcullis';
    this.demoApiKey = options.env?.DEMO_HTTP_API_KEY ?? process.env.DEMO_HTTP_API_KEY ?? randomBytes(24).toString('base64url');
    this.demoPgPassword = options.env?.DEMO_PG_PASSWORD ?? process.env.DEMO_PG_PASSWORD ?? randomBytes(24).toString('base64url');
    this.demoMcpToken = options.env?.DEMO_MCP_TOKEN ?? process.env.DEMO_MCP_TOKEN ?? randomBytes(24).toString('base64url');
    this.notesKey = options.env?.NOTES_KEY ?? process.env.NOTES_KEY ?? randomBytes(24).toString('base64url');
    this.mcpSessionKey = options.env?.PORTCULLIS_MCP_SESSION_KEY ?? process.env.PORTCULLIS_MCP_SESSION_KEY ?? randomBytes(32).toString('base64');
    this.maskingTokenKey = options.env?.PORTCULLIS_MASKING_TOKEN_KEY ?? process.env.PORTCULLIS_MASKING_TOKEN_KEY ?? randomBytes(32).toString('base64');
  }

  /** Every ingress instance's HTTP base URL (the first is ingressUrl). */
  get ingressUrls(): string[] {
    return [this.ingressUrl, ...this.extraIngress.map((p) => `http://127.0.0.1:${p.http}`)];
  }

  /** Every ingress instance's PostgreSQL listener, host:port (the first is ingressPgAddress). */
  get ingressPgAddresses(): string[] {
    return [this.ingressPgAddress, ...this.extraIngress.map((p) => `127.0.0.1:${p.pg}`)];
  }

  get demoMcpUrl(): string {
    return `http://127.0.0.1:${this.ports.demoMcp}/mcp`;
  }

  get natsUrl(): string {
    return this.options.natsUrl;
  }

  get ingressUrl(): string {
    return `http://127.0.0.1:${this.ports.ingress}`;
  }
  get issuerUrl(): string {
    return `http://127.0.0.1:${this.ports.devIdp}`;
  }
  /** host:port of ingress's PostgreSQL listener (database = connection name, password = token). */
  get ingressPgAddress(): string {
    return `127.0.0.1:${this.ports.ingressPg}`;
  }
  get identityAddress(): string {
    return `127.0.0.1:${this.ports.identity}`;
  }
  get approvalsAddress(): string {
    return `127.0.0.1:${this.ports.approvals}`;
  }
  get auditAddress(): string {
    return `127.0.0.1:${this.ports.audit}`;
  }
  /** Audit's /metrics and /readyz (only when the port was chosen: Ports.auditHttp). */
  get auditStatusUrl(): string {
    return `http://127.0.0.1:${this.ports.auditHttp ?? 0}`;
  }
  get policyAddress(): string {
    return `127.0.0.1:${this.ports.policy}`;
  }

  /** The dev PKI the services run with (after start): `tls.env('cli')` is what a CLI or test client needs. */
  get tls(): DevPki {
    if (!this.pki) throw new Error('the stack has not started: no TLS material yet');
    return this.pki;
  }

  /** The process id of a running instance (`ingress`, `policy-2`, …), e.g. to read its /proc entry; undefined when it is not running. */
  pid(id: string): number | undefined {
    return this.instances.find((i) => i.id === id)?.child?.pid;
  }

  /** Starts infra (if asked), then every service; resolves when all report "serving". */
  async start(): Promise<void> {
    const say = this.options.say ?? (() => undefined);
    mkdirSync(this.options.logDir, { recursive: true });
    if (this.options.samlKeysDir) {
      const pair = await generateSamlSigningPair(this.options.samlKeysDir);
      say(`dev IdP SAML signing pair in ${dirname(pair.keyFile)}`);
    }
    const pki = (this.pki = await ensureDevPki(this.options.tlsDir));
    say(`mutual TLS material in ${pki.dir}`);
    if (this.options.natsIdentitiesDir) {
      const url = new URL(this.options.natsUrl);
      this.natsIdentities = writeNatsIdentities(this.options.natsIdentitiesDir, new BusNames(this.namespace), { host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname, port: Number(url.port || 4222) });
      say(`NATS identities (one nkey per service) in ${this.natsIdentities.dir}`);
    }
    if (this.options.startInfra || this.options.startNats) {
      const nats = await ensureNats(this.options.natsUrl, join(this.options.logDir, '..', 'nats'), say, this.natsIdentities?.serverConfigFile, this.natsIdentities ? join(this.options.logDir, 'nats.log') : undefined);
      if (nats) this.infra.push(nats);
      else if (this.natsIdentities) say(`NATS already answers at ${new URL(this.options.natsUrl).host}: it must include ${this.natsIdentities.authorizationFile} to admit the services`);
    }
    if (this.options.startInfra) {
      await ensurePostgres(this.options.databaseUrl, say);
      await seedDemoDatabase(this.options.databaseUrl, { ...DEMO_DATABASE, password: this.demoPgPassword });
      say(`demo database ${DEMO_DATABASE.database} ready (role ${DEMO_DATABASE.role}, password in DEMO_PG_PASSWORD for ingress only)`);
    }
    const p = this.ports;
    const base: Record<string, string> = {
      NATS_URL: this.options.natsUrl,
      DATABASE_URL: this.options.databaseUrl,
      PORTCULLIS_CONFIG: resolve(this.options.configPath),
      PORTCULLIS_NAMESPACE: this.namespace,
      LOG_LEVEL: this.options.logLevel ?? 'info',
      IDENTITY_GRPC_ADDR: `127.0.0.1:${p.identity}`,
      POLICY_GRPC_ADDR: `127.0.0.1:${p.policy}`,
      APPROVALS_GRPC_ADDR: `127.0.0.1:${p.approvals}`,
      MASKING_GRPC_ADDR: `127.0.0.1:${p.masking}`,
      AUDIT_GRPC_ADDR: `127.0.0.1:${p.audit}`,
      AUDIT_HTTP_ADDR: `127.0.0.1:${p.auditHttp ?? 0}`,
      INGRESS_HTTP_ADDR: `127.0.0.1:${p.ingress}`,
      INGRESS_PG_ADDR: this.ingressPgAddress,
      DEV_IDP_ADDR: `127.0.0.1:${p.devIdp}`,
      DEMO_UPSTREAM_ADDR: `127.0.0.1:${p.demoUpstream}`,
      DEMO_MCP_ADDR: `127.0.0.1:${p.demoMcp}`,
      ...withoutTargetCredentials(this.options.env ?? {}),
    };
    const identities = this.natsIdentities;
    const natsIdentity = (name: ServiceName): Record<string, string> => (identities && isBusService(name) ? { NATS_NKEY_SEED_FILE: identities.seedFiles[name] } : {});
    // Each gRPC party gets its own certificate; the other processes get none.
    const tlsOf = (name: ServiceName) => (name === 'dev-idp' || name === 'demo-upstream' || name === 'demo-mcp' ? {} : pki.env(name));
    const service = (name: ServiceName, entry: string, health: string, extra: Record<string, string> = {}, id: string = name): Instance => ({ id, service: name, entry, health, env: { ...base, ...tlsOf(name), ...natsIdentity(name), ...extra } });
    const policyPorts = [p.policy, ...(await freePorts((this.options.policyInstances ?? 1) - 1))];
    // Only the gateway (and the demo target itself) ever see the target credentials.
    const secret = { DEMO_HTTP_API_KEY: this.demoApiKey };
    const planned: Instance[] = [
      service('dev-idp', 'services/dev-idp/dist/main.js', `http://127.0.0.1:${p.devIdp}/.well-known/openid-configuration`),
      service('identity', 'services/identity/dist/main.js', `grpc://127.0.0.1:${p.identity}`),
      service('masking', 'services/masking/dist/main.js', `grpc://127.0.0.1:${p.masking}`, { PORTCULLIS_MASKING_TOKEN_KEY: this.maskingTokenKey }),
      service('audit', 'services/audit/dist/main.js', `grpc://127.0.0.1:${p.audit}`),
      service('approvals', 'services/approvals/dist/main.js', `grpc://127.0.0.1:${p.approvals}`),
      ...policyPorts.map((port, i) =>
        service('policy', 'services/policy/dist/main.js', `grpc://127.0.0.1:${port}`, { POLICY_GRPC_ADDR: `127.0.0.1:${port}`, POLICY_INSTANCE_ID: `policy-${i + 1}` }, `policy-${i + 1}`),
      ),
    ];
    const extra = await freePorts(2 * ((this.options.ingressInstances ?? 1) - 1));
    for (let i = 0; i < extra.length; i += 2) this.extraIngress.push({ http: extra[i]!, pg: extra[i + 1]! });
    const ingressSecrets = { ...secret, DEMO_PG_PASSWORD: this.demoPgPassword, DEMO_MCP_TOKEN: this.demoMcpToken, NOTES_KEY: this.notesKey, PORTCULLIS_MCP_SESSION_KEY: this.mcpSessionKey, PORTCULLIS_MASKING_TOKEN_KEY: this.maskingTokenKey };
    [{ http: p.ingress, pg: p.ingressPg }, ...this.extraIngress].forEach((ports, i) => {
      const id = i === 0 ? 'ingress' : `ingress-${i + 1}`;
      planned.push(
        service('ingress', 'services/ingress/dist/main.js', `http://127.0.0.1:${ports.http}/readyz`, { ...ingressSecrets, INGRESS_HTTP_ADDR: `127.0.0.1:${ports.http}`, INGRESS_PG_ADDR: `127.0.0.1:${ports.pg}`, INGRESS_INSTANCE_ID: `ingress-${i + 1}` }, id),
      );
    });
    if (this.options.demoUpstream !== false) planned.unshift(service('demo-upstream', 'tools/demo-upstream/dist/main.js', `tcp://127.0.0.1:${p.demoUpstream}`, secret));
    if (this.options.demoMcp !== false) planned.unshift(service('demo-mcp', 'tools/demo-mcp/dist/main.js', `tcp://127.0.0.1:${p.demoMcp}`, { DEMO_MCP_TOKEN: this.demoMcpToken }));
    this.instances.push(...planned);
    // The IdP and the upstream first (identity discovers the issuer at start), then the rest at once.
    const first = planned.filter((i) => i.service === 'dev-idp' || i.service === 'demo-upstream' || i.service === 'demo-mcp');
    await Promise.all(first.map((instance) => this.launch(instance)));
    await Promise.all(planned.filter((i) => !first.includes(i)).map((instance) => this.launch(instance)));
    say(`all ${planned.length} processes serving`);
  }

  /** Stops one service's instances (SIGTERM, then SIGKILL after 10 s). */
  async stopService(id: string): Promise<void> {
    await Promise.all(this.instances.filter((i) => i.id === id || i.service === id).map((i) => this.terminate(i)));
  }

  /** Starts a stopped service again. */
  async startService(id: string): Promise<void> {
    await Promise.all(this.instances.filter((i) => (i.id === id || i.service === id) && !i.child).map((i) => this.launch(i)));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Ingress first, so no new requests come in while the rest drain.
    const ingress = this.instances.filter((i) => i.service === 'ingress');
    await Promise.all(ingress.map((i) => this.terminate(i)));
    await Promise.all(this.instances.map((i) => this.terminate(i)));
    for (const child of this.infra) child.kill('SIGTERM');
  }

  private async launch(instance: Instance): Promise<void> {
    const logPath = join(this.options.logDir, `${instance.id}.log`);
    const log = createWriteStream(logPath, { flags: 'a' });
    // Each service in its own process group: a terminal's Ctrl-C reaches only the launcher, which
    // then stops every service once, in order, so each drains instead of seeing two signals.
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), join(REPO_ROOT, instance.entry)], { env: { PATH: process.env.PATH ?? '', ...instance.env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT, detached: true });
    this.orphanGuard();
    instance.child = child;
    instance.log = log;
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    let exited: string | undefined;
    child.once('close', () => log.end()); // after stdio is drained, so the last lines are kept
    child.once('exit', (code, signal) => {
      exited = String(code ?? signal);
      instance.child = undefined;
      if (!this.stopping && code !== 0 && signal !== 'SIGTERM') this.options.say?.(`${instance.id} exited (code ${exited}); see ${logPath}`);
    });

    // Ready means the same health probe the containers use answers: grpc.health.v1 SERVING,
    // /readyz, discovery, or an open port. Log lines are not a readiness signal.
    const { probe } = (await import(pathToFileURL(join(REPO_ROOT, 'deploy/health-probe.mjs')).href)) as { probe: (target: string, env: Record<string, string>) => Promise<void> };
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      if (exited !== undefined) throw new Error(`${instance.id} exited during start (code ${exited}): ${stderr.trim() || `see ${logPath}`}`);
      try {
        await probe(instance.health, instance.env);
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`${instance.id} not healthy within 30 s (${last}); see ${logPath}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  private guarded = false;

  /** If the launcher itself dies, its (detached) services must not outlive it. */
  private orphanGuard(): void {
    if (this.guarded) return;
    this.guarded = true;
    process.once('exit', () => {
      for (const instance of this.instances) instance.child?.kill('SIGKILL');
      for (const child of this.infra) child.kill('SIGTERM');
    });
  }

  private async terminate(instance: Instance): Promise<void> {
    const child = instance.child;
    if (!child) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function isBusService(name: ServiceName): name is ServiceName & BusService {
  return (BUS_SERVICES as readonly string[]).includes(name);
}

/** Target credentials the stack hands to ingress (and the demo upstream) only, whoever passes them in. */
const TARGET_CREDENTIALS = new Set(['DEMO_HTTP_API_KEY', 'DEMO_PG_PASSWORD', 'DEMO_MCP_TOKEN', 'NOTES_KEY', 'PORTCULLIS_MCP_SESSION_KEY', 'PORTCULLIS_MASKING_TOKEN_KEY']);

function withoutTargetCredentials(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !TARGET_CREDENTIALS.has(name)));
}

/**
 * The options that give a stack its own NATS server on `port` (started with the stack, stopped
 * with it), admitting only the services' identities kept in `dir`: what npm start runs, for
 * tests and benchmarks.
 */
export function ownNats(dir: string, port: number): Pick<StackOptions, 'natsUrl' | 'natsIdentitiesDir' | 'startNats'> {
  return { natsUrl: `nats://127.0.0.1:${port}`, natsIdentitiesDir: dir, startNats: true };
}

/** Picks `count` free TCP ports on 127.0.0.1 (for tests that run several stacks). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => r(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
