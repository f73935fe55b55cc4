import { parseColumnPattern } from '@portcullis/detectors';
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

const issuer = z
  .object({
    issuer: z.string().url(),
    audience: z.string().min(1),
    /** Tokens whose lifetime (exp - iat) exceeds this are refused: short-lived tokens only. */
    maxTokenLifetime: duration.default('1h'),
    groupsClaim: z.string().min(1).default('groups'),
    algorithms: z.array(z.enum(['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'])).min(1).default(['ES256', 'RS256']),
    clockTolerance: duration.default('5s'),
  })
  .strict();

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
  .strict()
  .superRefine((connection, ctx) => {
    const secret = new Set([...SECRET_HEADERS, ...(connection.credential ? [connection.credential.header.toLowerCase()] : [])]);
    connection.decisionHeaders.forEach((name, i) => {
      if (secret.has(name)) {
        const why = SECRET_HEADERS.includes(name) ? 'it carries credentials' : "it is this connection's credential header";
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['decisionHeaders', i], message: `"${name}" cannot be a decision header: ${why}, and what policy decides on is recorded in the audit log` });
      }
      if (connection.decisionHeaders.indexOf(name) !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['decisionHeaders', i], message: `"${name}" is listed twice` });
    });
  });

/** `[schema.]table.column`, parts folded like PostgreSQL identifiers or quoted, `*` for any. */
const columnPattern = z.string().superRefine((text, ctx) => {
  const parsed = parseColumnPattern(text);
  if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message });
});

const maskingProfile = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    detectors: z.array(z.enum(['email', 'card'])).default([]),
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
    connections: z.array(httpConnection).default([]),
    /**
     * Rules in the policy language. Validated by the policy service (libs/policy-language, with
     * lines and columns), not here: a broken rule must leave the last good policy in force, not
     * stop every service that reads this file.
     */
    policies: z.array(z.unknown()).default([]),
    maskingProfiles: z.array(maskingProfile).default([]),
    audit: z.object({ readerGroups: z.array(groupName).default([]) }).strict().default({}),
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
    for (const name of duplicates(config.maskingProfiles.map((p) => p.name))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['maskingProfiles'], message: `duplicate masking profile "${name}"` });
    }
  });

export type PortcullisConfigInput = z.input<typeof portcullisConfigSchema>;
export type PortcullisConfig = z.output<typeof portcullisConfigSchema>;
export type IssuerConfig = PortcullisConfig['issuers'][number];
export type DevIdpConfig = NonNullable<PortcullisConfig['devIdp']>;
export type HttpConnectionConfig = PortcullisConfig['connections'][number];
export type MaskingProfileConfig = PortcullisConfig['maskingProfiles'][number];
export type SecretRef = z.output<typeof secretRef>;
