import { countFinding, type Findings } from './findings.js';
import { maskCardNumberTokens } from './json-card-numbers.js';
import { applyDetectors } from './mask-text.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile, MaskResult } from './masking.types.js';
import { compileProfile, type CompiledProfile } from './profile.js';

type JsonContainer = unknown[] | Record<string, unknown>;

interface Frame {
  readonly node: JsonContainer;
  /** Same position in the unrewritten parse, when card numbers were rewritten. */
  readonly original: unknown;
}

interface WalkContext {
  readonly compiled: CompiledProfile;
  readonly fields: ReadonlySet<string>;
  readonly findings: Findings;
  readonly stack: Frame[];
}

/**
 * Parses, masks string values (never keys) in place, redacts field-rule
 * values, and re-serialises compactly with JSON.stringify.
 *
 * Large integer card numbers are handled by rewriting their tokens to masked
 * strings before the final parse (see json-card-numbers.ts). The first parse
 * is kept and walked alongside: a value that is a string in the rewritten
 * tree but a number in the original is a masked card, which is how those are
 * counted, and not double-counted when a field rule redacts them anyway.
 */
export function maskJson(json: string, profile: MaskingProfile): MaskResult {
  const findings: Findings = {};
  return { text: maskJsonWith(json, compileProfile(profile), findings), findings };
}

/** maskJson with a profile compiled once by the caller, counting into the caller's tally. */
export function maskJsonWith(json: string, compiled: CompiledProfile, findings: Findings): string {
  const parsed = parse(json);
  const rewritten = compiled.masksCards ? maskCardNumberTokens(json) : undefined;
  const root = rewritten === undefined ? parsed : parse(rewritten);
  const original = rewritten === undefined ? undefined : parsed;
  const masked = maskTree(root, original, contextFor(compiled, findings));
  return JSON.stringify(masked);
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    // The SyntaxError is dropped on purpose: its message quotes the body.
    throw new MaskingError('INVALID_JSON', 'Body is not valid JSON');
  }
}

function contextFor(compiled: CompiledProfile, findings: Findings): WalkContext {
  return { compiled, fields: compiled.fields, findings, stack: [] };
}

/**
 * Iterative rather than recursive, so the walk never overflows the stack
 * before JSON.stringify would. Bodies nested too deep for JSON.stringify
 * (a few thousand levels) throw its RangeError: still no pass-through.
 */
function maskTree(root: unknown, original: unknown, ctx: WalkContext): unknown {
  const masked = maskValue(root, original, ctx);
  for (let frame = ctx.stack.pop(); frame !== undefined; frame = ctx.stack.pop()) {
    if (Array.isArray(frame.node)) maskArray(frame.node, frame.original, ctx);
    else maskObject(frame.node, frame.original, ctx);
  }
  return masked;
}

function maskArray(node: unknown[], original: unknown, ctx: WalkContext): void {
  for (let i = 0; i < node.length; i++) {
    const value = node[i];
    const next = maskValue(value, childOf(original, i), ctx);
    if (next !== value) node[i] = next;
  }
}

function maskObject(node: Record<string, unknown>, original: unknown, ctx: WalkContext): void {
  // Object.keys, not for-in: only the parsed object's own keys, never inherited ones.
  for (const key of Object.keys(node)) {
    const field = ctx.fields.size > 0 ? key.toLowerCase() : undefined;
    if (field !== undefined && ctx.fields.has(field)) {
      const value = node[key];
      node[key] = ctx.compiled.replace.field(ctx.compiled.fieldStyleOf(field), typeof value === 'string' ? value : JSON.stringify(value));
      countFinding(ctx.findings, 'field');
      continue;
    }
    const value = node[key];
    const next = maskValue(value, childOf(original, key), ctx);
    // Plain assignment is safe even for a "__proto__" key: JSON.parse made it
    // an own data property, which shadows the inherited setter.
    if (next !== value) node[key] = next;
  }
}

/** Masks a primitive, or queues a container to be walked. */
function maskValue(value: unknown, original: unknown, ctx: WalkContext): unknown {
  if (typeof value === 'string') {
    if (typeof original === 'number') {
      countFinding(ctx.findings, 'card'); // already masked by the token rewrite
      return value;
    }
    return applyDetectors(value, ctx.compiled, ctx.findings);
  }
  if (typeof value === 'object' && value !== null) {
    ctx.stack.push({ node: value as JsonContainer, original });
  }
  return value;
}

function childOf(original: unknown, key: string | number): unknown {
  if (typeof original !== 'object' || original === null) return undefined;
  return (original as Record<string | number, unknown>)[key];
}
