import { parseDuration } from '@portcullis/config';
import { PROTOCOLS } from '@portcullis/request-model';
import { z } from 'zod';
import { EFFECTS } from './types.js';

// The rule language's shape. Strict everywhere: an unknown key is an error, because a typo in a
// security rule ("metods") must never silently widen or narrow what is allowed.

const custom = (ctx: z.RefinementCtx, message: string, path: (string | number)[] = []) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });

const duration = z.union([z.string(), z.number()]).transform((raw, ctx) => {
  const ms = parseDuration(raw);
  if (ms === undefined) {
    custom(ctx, `"${raw}" is not a duration (use e.g. 30s, 5m, 1h)`);
    return z.NEVER;
  }
  return ms;
});

const nonEmpty = z.string().min(1);
const globs = z.array(nonEmpty).min(1);

/**
 * A set condition: a plain list, `{ any: [...] }` (something in the request is in the list) or
 * `{ only: [...] }` / `{ all: [...] }` (see where each is used). A plain list reads the way that
 * refuses more: see `direction` in compile.ts.
 */
const setCondition = z.union([globs, z.object({ any: globs }).strict(), z.object({ only: globs }).strict()]);
const groupCondition = z.union([globs, z.object({ any: globs }).strict(), z.object({ all: globs }).strict()]);

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const numberPredicate = z
  .object({ equals: z.number().optional(), gt: z.number().optional(), gte: z.number().optional(), lt: z.number().optional(), lte: z.number().optional() })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'states no comparison (use equals, gt, gte, lt or lte)');

/** A test on one value: a scalar means `equals`; an object states one or more tests, all of which must hold. */
export const valuePredicate = z.union([
  scalar,
  z
    .object({
      equals: scalar.optional(),
      oneOf: z.array(scalar).min(1).optional(),
      glob: nonEmpty.optional(),
      gt: z.number().optional(),
      gte: z.number().optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
      exists: z.boolean().optional(),
      length: numberPredicate.optional(),
    })
    .strict()
    .refine((p) => Object.values(p).some((v) => v !== undefined), 'states no test (use equals, oneOf, glob, gt, gte, lt, lte, exists or length)'),
]);
export type ValuePredicateConfig = z.output<typeof valuePredicate>;

/** Keys are paths into a JSON value: `database`, `filter.region`, `items[0].id`, `items[*].id`. */
const pathPattern = /^[A-Za-z0-9_$@-]+(\[(\d+|\*)\])*(\.[A-Za-z0-9_$@-]+(\[(\d+|\*)\])*)*$/;
const predicates = z.record(z.string().regex(pathPattern, 'is not a path (e.g. database, filter.region, items[0].id, items[*].id)'), valuePredicate);

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const headerName = z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name');

const principalMatch = z
  .object({
    subjects: globs.optional(),
    clientIds: globs.optional(),
    issuers: globs.optional(),
    kinds: z.array(z.enum(['machine', 'human'])).min(1).optional(),
    groups: groupCondition.optional(),
    scopes: groupCondition.optional(),
    claims: predicates.optional(),
  })
  .strict();

const connectionMatch = z
  .object({
    names: globs.optional(),
    tags: groupCondition.optional(),
  })
  .strict();

const httpMatch = z
  .object({
    methods: z.array(httpMethod).min(1).optional(),
    /** Path globs: "*" matches within one segment, "**" any number of segments. */
    paths: z.array(z.string().startsWith('/')).min(1).optional(),
    query: predicates.optional(),
    headers: z.record(headerName, valuePredicate).optional(),
  })
  .strict();

const mcpMatch = z
  .object({
    methods: globs.optional(),
    tools: globs.optional(),
    resources: globs.optional(),
    prompts: globs.optional(),
    arguments: predicates.optional(),
  })
  .strict()
  .superRefine((mcp, ctx) => {
    const named = [mcp.tools && 'tools', mcp.resources && 'resources', mcp.prompts && 'prompts'].filter(Boolean);
    if (named.length > 1) custom(ctx, `names ${named.join(' and ')}: a request calls one tool, reads one resource or gets one prompt — write one rule for each`);
  });

const sqlMatch = z
  .object({
    /** Statement kinds (globs over names such as select, drop_table, copy_to_program). */
    statements: setCondition.optional(),
    /** Tables read or written, `schema.table` or `table` (globs). */
    tables: setCondition.optional(),
    tablesRead: setCondition.optional(),
    tablesWritten: setCondition.optional(),
    /** Columns read, `column` or `table.column` (globs). */
    columns: setCondition.optional(),
    /** Functions called, `name` or `schema.name` (globs). */
    functions: setCondition.optional(),
    /** UPDATE or DELETE without WHERE. */
    unboundedWrite: z.boolean().optional(),
  })
  .strict();

const match = z
  .object({
    // The first rule language's conditions, kept as they were: any of the groups, one of the
    // subjects, one of the connections.
    groups: globs.optional(),
    subjects: globs.optional(),
    connections: globs.optional(),
    principal: principalMatch.optional(),
    connection: connectionMatch.optional(),
    protocols: z.array(z.enum(PROTOCOLS)).min(1).optional(),
    http: httpMatch.optional(),
    mcp: mcpMatch.optional(),
    sql: sqlMatch.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const operations = (['http', 'mcp', 'sql'] as const).filter((p) => m[p] !== undefined);
    if (operations.length > 1) custom(ctx, `states ${operations.join(' and ')} conditions: a request speaks one protocol, so this rule could never match`);
    if (operations.length === 1 && m.protocols && !m.protocols.includes(operations[0]!)) {
      custom(ctx, `states ${operations[0]} conditions but protocols ${m.protocols.join(', ')}: this rule could never match`, ['protocols']);
    }
  });

const approval = z
  .object({
    approverGroups: z.array(nonEmpty).min(1),
    minApprovals: z.number().int().min(1).max(10).default(1),
    timeout: duration.default('5m'),
    /** After approval, the same principal may repeat the same request without a new approval for this long. */
    grant: duration.optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'must be a lowercase id (it is quoted in every decision)'),
    description: z.string().max(500).optional(),
    effect: z.enum(EFFECTS),
    match: match.default({}),
    /** A CEL expression over principal, connection, request and now; it must be true for the rule to match. */
    when: z.string().min(1).max(4096).optional(),
    approval: approval.optional(),
    maskingProfile: nonEmpty.optional(),
    maskingProfiles: z.array(nonEmpty).min(1).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.effect === 'require_approval' && !rule.approval) custom(ctx, 'require_approval needs approval.approverGroups', ['approval']);
    if (rule.effect !== 'require_approval' && rule.approval) custom(ctx, 'approval is only meaningful with effect require_approval', ['approval']);
    if (rule.effect === 'deny' && (rule.maskingProfile || rule.maskingProfiles)) custom(ctx, 'a deny rule returns nothing to mask', [rule.maskingProfile ? 'maskingProfile' : 'maskingProfiles']);
  });
export type RuleConfig = z.output<typeof ruleSchema>;
export type MatchConfig = RuleConfig['match'];
export type SetConditionConfig = z.output<typeof setCondition>;
export type GroupConditionConfig = z.output<typeof groupCondition>;

/** A policy document: a file in `policies/`, or one applied through the API. */
export const documentSchema = z
  .object({
    description: z.string().max(2000).optional(),
    rules: z.array(ruleSchema),
  })
  .strict();

/** The policy-relevant part of portcullis.yaml: its `policies:` section (other keys are the config loader's). */
export const configSchema = z.object({ policies: z.array(ruleSchema).default([]) }).passthrough();
