import { parseColumnPattern, DETECTOR_IDS, type DetectorId } from '@portcullis/detectors';
import { z } from 'zod';
import { parseDuration } from './duration.js';

// The schema of portcullis.yaml. It is strict: an unknown key is an error, because a typo in a
// security policy ("metods") must never silently widen or narrow what is allowed.

const duration = z.union([z.string(), z.number()]).transform((raw, ctx) => {
  const ms = parseDuration(raw);
  if (ms === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${raw}" is not a duration (use e.g. 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

/** Connection names appear in URLs, NATS subjects and database names: keep them to a safe alphabet. */
const connectionName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must match ^[a-z][a-z0-9_-]{0,62}$');
const groupName = z.string().min(1).max(200);

/** Where a secret comes from. Secrets are never written inline in config, except dev IdP client secrets. */
const secretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/** Longest leeway an issuer may allow on exp/nbf/iat: clocks drift seconds, not hours (RFC 8725 §3.10). */
const MAX_CLOCK_TOLERANCE_MS = 5 * 60_000;
const clockTolerance = duration.default('5s').refine((ms) => ms <= MAX_CLOCK_TOLERANCE_MS, 'must be at most 5m: a larger leeway keeps expired tokens alive');

/** One audience or several; the token must name at least one of them. */
const audiences = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((value) => (typeof value === 'string' ? [value] : value));

/**
 * Where a claim lives in a token: a dotted path ("groups", "realm_access.roles"), or a list of
 * segments for claim names that contain dots themselves (["https://example.com/roles"]).
 */
const claimPath = z
  .union([z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path such as realm_access.roles'), z.array(z.string().min(1)).min(1)])
  .transform((value) => (typeof value === 'string' ? value.split('.') : value));

/**
 * How a principal is told machine from human: `client-credentials` — its subject is the client
 * it names (the shape of the client-credentials grant); `machine` / `human` — every principal of
 * this issuer is one; `{ claim, equals }` — a claim has that value (Entra ID: idtyp = app).
 */
const kindRule = z.union([z.enum(['client-credentials', 'machine', 'human']), z.object({ claim: claimPath, equals: z.union([z.string(), z.boolean()]) }).strict()]);

const JWT_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

const oidcIssuer = z
  .object({
    protocol: z.literal('oidc'),
    /** Exactly the `iss` of its tokens; its keys are found by OpenID Connect discovery unless jwksUri is set. */
    issuer: z.string().url(),
    /** The issuer's key set, when it does not publish discovery (the document is then not fetched). */
    jwksUri: z.string().url().optional(),
    /** The token's `aud` must contain one of these. */
    audience: audiences,
    /** Signing algorithms accepted (asymmetric only: a shared-secret algorithm would let anyone with the public key forge). */
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['ES256', 'RS256']),
    /** JWT `typ` values accepted (compared case-insensitively, "application/" optional). RFC 9068 access tokens are at+jwt. */
    tokenTypes: z.array(z.string().regex(/^[A-Za-z0-9!#$&^_.+-]+(\/[A-Za-z0-9!#$&^_.+-]+)?$/)).min(1).default(['at+jwt']),
    /** Tokens whose lifetime (exp - iat) exceeds this are refused: short-lived tokens only. */
    maxTokenLifetime: duration.default('1h'),
    clockTolerance,
    /** How long fetched keys are used before they are fetched again (an unknown kid refetches sooner). */
    jwksRefresh: duration.default('10m'),
    claims: z
      .object({
        /** Claims whose values are the principal's groups, merged in order (arrays, or space-separated strings such as scope). */
        groups: z.array(claimPath).default(['groups']),
        /** Claims naming the workload, first present wins; when several are present they must agree. */
        clientId: z.array(claimPath).min(1).default(['client_id', 'azp']),
        kind: kindRule.default('client-credentials'),
      })
      .strict()
      .default({}),
  })
  .strict();

const samlIssuer = z
  .object({
    protocol: z.literal('saml'),
    /** The assertion's <Issuer> (the IdP's entity id), matched exactly. */
    issuer: z.string().min(1).max(1024),
    /** The assertion's AudienceRestriction must name one of these (the gateway's SP entity id). */
    audience: audiences,
    /** The IdP's signing certificate (PEM). Only signatures by this key are accepted; KeyInfo in an assertion is ignored. */
    certificate: secretRef,
    /** Assertions valid for longer than this (NotOnOrAfter - IssueInstant) are refused. */
    maxTokenLifetime: duration.default('1h'),
    clockTolerance,
    attributes: z
      .object({
        /** Attributes whose values are the principal's groups, merged in order. */
        groups: z.array(z.string().min(1)).default(['groups']),
        /** Attribute naming the workload; the NameID when absent. */
        clientId: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** SAML IdPs mostly speak for people: a principal is human unless this says otherwise. */
    kind: z.enum(['machine', 'human']).default('human'),
  })
  .strict();

/** A trusted issuer: an OpenID provider (the default) or a SAML 2.0 IdP. */
const issuer = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) && !('protocol' in value) ? { ...value, protocol: 'oidc' } : value),
  z.discriminatedUnion('protocol', [oidcIssuer, samlIssuer]),
);

const devIdpClient = z
  .object({
    clientId: z.string().regex(/^[A-Za-z0-9._-]+$/),
    /** Dev IdP only: a literal secret is acceptable for a local, never-production IdP. */
    secret: z.union([z.string().min(8), secretRef]),
    groups: z.array(groupName).default([]),
    audience: z.string().min(1).optional(),
    tokenTtl: duration.optional(),
  })
  .strict();

const devIdp = z
  .object({
    issuer: z.string().url(),
    audience: z.string().min(1).default('portcullis'),
    tokenTtl: duration.default('5m'),
    clients: z.array(devIdpClient).default([]),
    /**
     * A second OpenID provider at `<issuer>/nested`, shaping tokens as Keycloak does: groups under
     * `realm_access.roles`, the client in `azp`. Proves claim mapping against a second layout.
     */
    nested: z.object({ clients: z.array(devIdpClient).default([]) }).strict().optional(),
    /** SAML 2.0: signed assertions for the dev IdP's clients at POST /saml/assertion. */
    saml: z
      .object({
        /** The assertions' <Issuer>; default `<issuer>/saml`. */
        entityId: z.string().min(1).optional(),
        /** The AudienceRestriction; default the IdP's audience. */
        audience: z.string().min(1).optional(),
        /** Signing key and its certificate (PEM); `npm start` generates them. */
        key: secretRef,
        certificate: secretRef,
        assertionTtl: duration.default('5m'),
      })
      .strict()
      .optional(),
    /**
     * Test-only endpoints: POST /test/mint signs any header and claims with the current key,
     * POST /test/rotate-keys rotates it. Never in a real deployment: off unless set.
     */
    testEndpoints: z.boolean().default(false),
  })
  .strict();

const credential = z
  .object({
    /** Header the gateway sets on every forwarded request. */
    header: z.string().regex(/^[A-Za-z0-9-]+$/).default('authorization'),
    /** Optional scheme written before the secret, e.g. "Bearer". */
    scheme: z.string().regex(/^[A-Za-z0-9-]+$/).optional(),
    secret: secretRef,
  })
  .strict();

/**
 * Request headers that carry secrets (the caller's credential, cookies): never decided on, because
 * what policy sees reaches the audit log. The connection's own credential header joins them.
 */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

const headerName = z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name (a-z, 0-9, -)');
/** Connection tags are matched by policy rules and shown in explanations. */
const connectionTag = z.string().regex(/^[a-z0-9][a-z0-9_.:-]*$/, 'must match ^[a-z0-9][a-z0-9_.:-]*$');

const httpConnection = z
  .object({
    name: connectionName,
    type: z.literal('http'),
    upstream: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL'),
    credential: credential.optional(),
    timeout: duration.default('30s'),
    maxRequestBytes: z.number().int().positive().default(1 << 20),
    maxResponseBytes: z.number().int().positive().default(16 << 20),
    /** The request headers policy decides on (and the audit log records), when a request has them. */
    decisionHeaders: z.array(headerName).default(['content-type', 'accept', 'user-agent']),
    /** Labels policy rules can match on (e.g. "env:prod"); the policy service reads them. */
    tags: z.array(connectionTag).default([]),
  })
  .strict();

function refineHttpConnection(connection: z.output<typeof httpConnection>, ctx: z.RefinementCtx): void {
    const secret = new Set([...SECRET_HEADERS, ...(connection.credential ? [connection.credential.header.toLowerCase()] : [])]);
    connection.decisionHeaders.forEach((name, i) => {
      if (secret.has(name)) {
        const why = SECRET_HEADERS.includes(name) ? 'it carries credentials' : "it is this connection's credential header";
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['decisionHeaders', i], message: `"${name}" cannot be a decision header: ${why}, and what policy decides on is recorded in the audit log` });
      }
      if (connection.decisionHeaders.indexOf(name) !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['decisionHeaders', i], message: `"${name}" is listed twice` });
    });
}

/**
 * A PostgreSQL database the gateway logs into itself. Callers connect to the gateway's listener
 * with dbname = the connection's name and their token as the password; they never see this login.
 */
const postgresConnection = z
  .object({
    name: connectionName,
    type: z.literal('postgres'),
    /** postgres://user@host:port/database — the gateway's own login; its password comes from `credential`. */
    upstream: z
      .string()
      .url()
      .superRefine((raw, ctx) => {
        const url = new URL(raw);
        if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a postgres:// URL' });
        if (url.password) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must not contain a password: give it in credential.password (env or file)' });
        if (!url.username) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must name the user the gateway logs in as (postgres://user@host/db)' });
        if (!url.hostname) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must name a host' });
        if (url.pathname.length <= 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must name a database (postgres://user@host/db)' });
        if (url.search) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must not carry parameters: use tls: for TLS' });
      }),
    credential: z.object({ password: secretRef }).strict().optional(),
    /** TLS to the database: disable (loopback only), require (encrypted, any certificate), verify-full (CA and host name checked). */
    tls: z
      .object({
        mode: z.enum(['disable', 'require', 'verify-full']).default('disable'),
        ca: z.object({ file: z.string().min(1) }).strict().optional(),
      })
      .strict()
      .default({}),
    /** Connecting and logging in to the database, and a cancel request reaching it. */
    connectTimeout: duration.default('10s'),
    tags: z.array(connectionTag).default([]),
  })
  .strict();

function refinePostgresConnection(connection: z.output<typeof postgresConnection>, ctx: z.RefinementCtx): void {
  if (connection.tls.mode === 'verify-full' && !connection.tls.ca) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tls', 'ca'], message: 'verify-full needs the CA certificate file that signed the server certificate' });
}

/** How the gateway authenticates to an MCP upstream: a static header, or a token it obtains itself. */
const mcpCredential = z.union([
  credential,
  z
    .object({
      /** OAuth 2.1 client credentials grant: the gateway is the client; the token is cached until shortly before it expires. */
      clientCredentials: z
        .object({
          tokenUrl: z
            .string()
            .url()
            .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL'),
          clientId: z.string().min(1),
          clientSecret: secretRef,
          scope: z.string().min(1).optional(),
          /** RFC 8707 resource indicator sent with the token request (default: the upstream URL). */
          resource: z.string().url().optional(),
        })
        .strict(),
    })
    .strict(),
]);

/** MCP revisions the gateway speaks, oldest first. */
export const MCP_PROTOCOL_VERSIONS = ['2025-11-25', '2026-07-28'] as const;

/**
 * An MCP server the gateway reaches on behalf of callers: over Streamable HTTP (`upstream`) or as a
 * stdio process the gateway spawns (`command`), never both.
 */
const mcpConnection = z
  .object({
    /** In /mcp names are namespaced as <connection>__<name>: a connection name may not contain "__". */
    name: connectionName.refine((n) => !n.includes('__'), 'an MCP connection name may not contain "__" (it separates connection and tool in /mcp)'),
    type: z.literal('mcp'),
    upstream: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL')
      .optional(),
    /** stdio: the program and its arguments; it gets only `env` (and PATH), never the gateway's environment. */
    command: z.array(z.string().min(1)).min(1).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), secretRef).default({}),
    /** Working directory of a stdio process, relative to this file (default: this file's directory). */
    cwd: z.string().min(1).optional(),
    credential: mcpCredential.optional(),
    /** The revision spoken to the upstream: auto probes server/discover and falls back to initialize. */
    protocol: z.enum(['auto', ...MCP_PROTOCOL_VERSIONS]).default('auto'),
    /** One upstream request, not counting a hold: past it the caller gets an error and the upstream a cancellation. */
    timeout: duration.default('60s'),
    /** A JSON-RPC message, either way, larger than this is refused. */
    maxMessageBytes: z.number().int().min(1024).max(64 << 20).default(4 << 20),
    /** OAuth scopes a caller's token must carry to use this connection at all (else 403 insufficient_scope). */
    requiredScopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be an OAuth scope token')).default([]),
    tags: z.array(connectionTag).default([]),
  })
  .strict();

function refineMcpConnection(connection: z.output<typeof mcpConnection>, ctx: z.RefinementCtx): void {
  if ((connection.upstream === undefined) === (connection.command === undefined)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['upstream'], message: 'give exactly one of upstream (Streamable HTTP URL) or command (stdio)' });
  }
  if (connection.command && connection.credential) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['credential'], message: 'a stdio server gets its secrets through env, not credential' });
  if (connection.upstream && Object.keys(connection.env).length > 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['env'], message: 'env is for stdio servers (command); an HTTP upstream gets credential' });
}

const connection = z.discriminatedUnion('type', [httpConnection, postgresConnection, mcpConnection]).superRefine((c, ctx) => {
  if (c.type === 'http') refineHttpConnection(c, ctx);
  else if (c.type === 'postgres') refinePostgresConnection(c, ctx);
  else refineMcpConnection(c, ctx);
});

/** The gateway's MCP endpoints (/mcp and /mcp/<connection> on the ingress HTTP port). */
const mcpGateway = z
  .object({
    /**
     * The URL callers use for /mcp, as they see it (RFC 9728 `resource`, RFC 8707 resource
     * indicator). Tokens must carry the issuer's audience; an IdP that sets aud to the resource
     * indicator is configured with this URL as the issuer's audience.
     */
    resource: z.string().url().default('http://127.0.0.1:8080/mcp'),
    /** Seals session ids so that any ingress instance can resume a session: 32 bytes, base64 or hex. Without it, a random key per process (sessions do not move between instances). */
    sessionKey: secretRef.optional(),
    /** A gateway session ends this long after it opened (its sealed id no longer opens it; clients re-initialize). */
    sessionLifetime: duration.default('24h'),
    /** stdio processes per instance (one per caller session and connection); beyond it new sessions get an error for that upstream. */
    maxStdioProcesses: z.number().int().positive().default(32),
    /** A stdio process idle this long is stopped (a new one starts on the next request). */
    stdioIdleTimeout: duration.default('5m'),
    /** Principals in these groups may list and approve pinned tool definitions. */
    adminGroups: z.array(groupName).default([]),
  })
  .strict()
  .default({});

/** The gateway's PostgreSQL listener (its address is INGRESS_PG_ADDR). */
const postgresListener = z
  .object({
    /** TLS towards callers. Without it, connect only over loopback: tokens would cross the network in clear. */
    tls: z
      .object({
        cert: z.object({ file: z.string().min(1) }).strict(),
        key: z.object({ file: z.string().min(1) }).strict(),
        /** Refuse callers that do not ask for TLS (28000). */
        required: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** A client message (a query text, a Bind, one COPY chunk) larger than this ends the session with 08P01. */
    maxMessageBytes: z.number().int().min(1024).max(1 << 30).default(16 << 20),
    /** Caller connections at once; beyond it a new one is refused with 53300. */
    maxConnections: z.number().int().positive().default(256),
    /** From connecting to a verified password; a caller slower than this is cut off. */
    startupTimeout: duration.default('15s'),
  })
  .strict()
  .default({});

/**
 * What one principal (issuer and subject) may have of one ingress instance at once. Past a limit
 * the request is refused (HTTP and MCP 429 with Retry-After, PostgreSQL 53400) and recorded.
 */
const principalLimitFields = {
  /** Requests being served at once, from authentication to the last byte of the answer (held ones too). */
  concurrentRequests: z.number().int().min(1).max(1_000_000),
  /** Requests waiting for approvers at once; one more is refused instead of held. */
  pendingHolds: z.number().int().min(1).max(100_000),
  /** Request bytes the gateway keeps in memory for the principal's requests (bodies, MCP arguments, SQL messages). */
  bufferedBodyBytes: z.number().int().min(1024).max(2 ** 40),
};

const principalLimits = z
  .object({
    concurrentRequests: principalLimitFields.concurrentRequests.default(128),
    pendingHolds: principalLimitFields.pendingHolds.default(20),
    bufferedBodyBytes: principalLimitFields.bufferedBodyBytes.default(64 << 20),
    /** What Retry-After says to a refused caller (whole seconds, 1s to 1h). */
    retryAfter: duration.default('1s').refine((ms) => ms >= 1000 && ms <= 3_600_000, 'must be between 1s and 1h'),
  })
  .strict();

/** Other limits for the principals of one group or one client; the first override that matches applies. */
const limitOverride = z
  .object({
    group: groupName.optional(),
    clientId: z.string().min(1).max(256).optional(),
    concurrentRequests: principalLimitFields.concurrentRequests.optional(),
    pendingHolds: principalLimitFields.pendingHolds.optional(),
    bufferedBodyBytes: principalLimitFields.bufferedBodyBytes.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.group === undefined) === (o.clientId === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give exactly one of group or clientId' });
    if (o.concurrentRequests === undefined && o.pendingHolds === undefined && o.bufferedBodyBytes === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'an override sets at least one of concurrentRequests, pendingHolds, bufferedBodyBytes' });
    }
  });

const limits = z
  .object({
    perPrincipal: principalLimits.default({}),
    overrides: z.array(limitOverride).default([]),
  })
  .strict()
  .default({});

/** `[schema.]table.column`, parts folded like PostgreSQL identifiers or quoted, `*` for any. */
const columnPattern = z.string().superRefine((text, ctx) => {
  const parsed = parseColumnPattern(text);
  if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message });
});

const maskingProfile = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    detectors: z.array(z.enum(DETECTOR_IDS as [DetectorId, ...DetectorId[]])).default([]),
    /** JSON keys, and SQL result column names, redacted whatever their value. */
    fields: z.array(z.string().min(1)).default([]),
    /** SQL result columns redacted whatever their value (HTTP masking ignores them). */
    columns: z.array(columnPattern).default([]),
  })
  .strict();

export const portcullisConfigSchema = z
  .object({
    issuers: z.array(issuer).default([]),
    devIdp: devIdp.optional(),
    connections: z.array(connection).default([]),
    postgres: postgresListener,
    mcp: mcpGateway,
    /** Per-principal limits of each ingress instance (see docs/configuration.md). */
    limits,
    /**
     * Rules in the policy language. Validated by the policy service (libs/policy-language, with
     * lines and columns), not here: a broken rule must leave the last good policy in force, not
     * stop every service that reads this file.
     */
    policies: z.array(z.unknown()).default([]),
    maskingProfiles: z.array(maskingProfile).default([]),
    audit: z.object({ readerGroups: z.array(groupName).default([]) }).strict().default({}),
    /** The identity service: who may revoke identities. */
    identity: z
      .object({
        /** Principals in any of these groups may revoke and unrevoke; none means nobody may (closed by default). */
        adminGroups: z.array(groupName).default([]),
      })
      .strict()
      .default({}),
    /** The policy service: where its documents come from, and who may manage and explain them. */
    policy: z
      .object({
        /** Policy documents (*.yaml, *.yml) seeded at start, relative to this file; default "policies" if that exists. */
        directory: z.string().min(1).optional(),
        /** Principals in any of these groups may manage the policy; none means nobody may (closed by default). */
        adminGroups: z.array(groupName).default([]),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const name of duplicates(config.connections.map((c) => c.name))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['connections'], message: `duplicate connection "${name}"` });
    }
    // Unique across protocols too: a principal is known by issuer and subject, so an OpenID `sub`
    // and a SAML NameID under one issuer string would be the same principal.
    for (const name of duplicates(config.issuers.map((i) => i.issuer))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['issuers'], message: `duplicate issuer "${name}" (an issuer may appear once, whatever its protocol)` });
    }
    for (const name of duplicates(config.maskingProfiles.map((p) => p.name))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['maskingProfiles'], message: `duplicate masking profile "${name}"` });
    }
    // A budget smaller than one request a connection accepts would refuse that request every time.
    const budgets = [{ path: ['limits', 'perPrincipal', 'bufferedBodyBytes'], bytes: config.limits.perPrincipal.bufferedBodyBytes }];
    config.limits.overrides.forEach((o, i) => {
      if (o.bufferedBodyBytes !== undefined) budgets.push({ path: ['limits', 'overrides', String(i), 'bufferedBodyBytes'], bytes: o.bufferedBodyBytes });
    });
    const largest = largestRequest(config);
    for (const budget of budgets) {
      if (largest && budget.bytes < largest.bytes) ctx.addIssue({ code: z.ZodIssueCode.custom, path: budget.path, message: `must be at least ${largest.bytes} (${largest.what}): such a request could never be served` });
    }
  });

/** The largest request body or message any configured connection accepts, and whose limit it is. */
function largestRequest(config: { connections: readonly ({ type: 'http'; name: string; maxRequestBytes: number } | { type: 'mcp'; name: string; maxMessageBytes: number } | { type: 'postgres'; name: string })[]; postgres: { maxMessageBytes: number } }): { bytes: number; what: string } | undefined {
  let largest: { bytes: number; what: string } | undefined;
  const consider = (bytes: number, what: string) => {
    if (!largest || bytes > largest.bytes) largest = { bytes, what };
  };
  for (const c of config.connections) {
    if (c.type === 'http') consider(c.maxRequestBytes, `connection ${c.name}'s maxRequestBytes`);
    else if (c.type === 'mcp') consider(c.maxMessageBytes, `connection ${c.name}'s maxMessageBytes`);
    else consider(config.postgres.maxMessageBytes, 'postgres.maxMessageBytes');
  }
  return largest;
}

export type PortcullisConfigInput = z.input<typeof portcullisConfigSchema>;
export type PortcullisConfig = z.output<typeof portcullisConfigSchema>;
export type IssuerConfig = PortcullisConfig['issuers'][number];
export type OidcIssuerConfig = Extract<IssuerConfig, { protocol: 'oidc' }>;
export type SamlIssuerConfig = Extract<IssuerConfig, { protocol: 'saml' }>;
export type ClaimPath = OidcIssuerConfig['claims']['groups'][number];
export type KindRule = OidcIssuerConfig['claims']['kind'];
export type DevIdpConfig = NonNullable<PortcullisConfig['devIdp']>;
export type ConnectionConfig = PortcullisConfig['connections'][number];
export type HttpConnectionConfig = Extract<ConnectionConfig, { type: 'http' }>;
export type PostgresConnectionConfig = Extract<ConnectionConfig, { type: 'postgres' }>;
export type McpConnectionConfig = Extract<ConnectionConfig, { type: 'mcp' }>;
export type McpGatewayConfig = PortcullisConfig['mcp'];
export type McpProtocolVersion = (typeof MCP_PROTOCOL_VERSIONS)[number];
export type PostgresListenerConfig = PortcullisConfig['postgres'];
export type MaskingProfileConfig = PortcullisConfig['maskingProfiles'][number];
export type LimitsConfig = PortcullisConfig['limits'];
export type SecretRef = z.output<typeof secretRef>;

/** What policy knows of a connection: its tags and, for HTTP, the request headers it decides on. */
export function connectionFacts(connection: ConnectionConfig): { readonly tags: readonly string[]; readonly decisionHeaders?: readonly string[] } {
  return connection.type === 'http' ? { tags: connection.tags, decisionHeaders: connection.decisionHeaders } : { tags: connection.tags };
}
