import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, documentSchema, type RuleConfig } from './schema.js';
import type { PolicySource, Problem } from './types.js';

/** The rules of one source, each with where it is written (for explanations and problems). */
export interface ParsedSource {
  readonly source: PolicySource;
  readonly rules: readonly RuleConfig[];
  /** Where `rules[i]` (or one of its fields, by YAML path below the rule) is written. */
  readonly locate: (rule: number, path?: readonly (string | number)[]) => { line: number; column: number; path: string };
}

export type ParseResult = { ok: true; parsed: ParsedSource } | { ok: false; problems: Problem[] };

/** A validated YAML text, and where any path in it is written. */
export type ReadResult<T> =
  | { ok: true; data: T; locate: (path: readonly (string | number)[], key?: string) => { line: number; column: number; path: string } }
  | { ok: false; problems: Problem[] };

/**
 * Reads one YAML text and validates it with `schema`: every problem at once, each with its line
 * and column (the YAML error's, the offending value's, or an unknown key's own).
 */
export function readYaml<T>(source: { readonly name: string; readonly text: string }, schema: z.ZodType<T, z.ZodTypeDef, unknown>, empty?: unknown): ReadResult<T> {
  // PostgreSQL stores neither, and no policy needs them: refused before anything reads the text.
  const bad = /[\u0000]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(source.text);
  if (bad) {
    const before = source.text.slice(0, bad.index);
    const line = before.split('\n').length;
    return { ok: false, problems: [{ source: source.name, line, column: bad.index - before.lastIndexOf('\n'), path: '', message: 'the text holds a NUL character or an unpaired surrogate' }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ source: source.name, ...at(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}` })) };
  }
  // `__proto__` as a key vanishes on its way into JavaScript objects (an argument predicate on it
  // would disappear and leave the rule unconditional): refused by name.
  const reserved: Problem[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') reserved.push({ source: source.name, ...at(pair.key.range?.[0] ?? 0), path: '', message: 'the key "__proto__" is not allowed' });
    },
  });
  if (reserved.length > 0) return { ok: false, problems: reserved };
  const result = schema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? empty);
  const locateAt = (path: readonly (string | number)[], key?: string) => ({ ...at(locate(doc, path, key)), path: path.join('.') });
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => {
        const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
        const place = locateAt(issue.path, key);
        const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
        return { source: source.name, ...place, path: issue.path.join('.') || (doc.contents ? '' : '(document)'), message };
      }),
    };
  }
  return { ok: true, data: result.data, locate: locateAt };
}

/** Reads and validates one policy source. Every problem at once, each with its line and column. */
export function parseSource(source: PolicySource): ParseResult {
  const schema: z.ZodType<{ rules?: RuleConfig[]; policies?: RuleConfig[] }, z.ZodTypeDef, unknown> = source.format === 'config' ? configSchema : documentSchema;
  const read = readYaml(source, schema, source.format === 'config' ? {} : undefined);
  if (!read.ok) return read;
  const rulesKey = source.format === 'config' ? 'policies' : 'rules';
  const rules = (source.format === 'config' ? read.data.policies : read.data.rules) ?? [];
  return { ok: true, parsed: { source, rules, locate: (rule, path = []) => read.locate([rulesKey, rule, ...path]) } };
}

/**
 * The offset of the deepest node on `path` that exists (the key's own position when an unknown
 * key is named), so a problem points at the value that is wrong, or as close to it as the text goes.
 */
function locate(doc: Document, path: readonly (string | number)[], key?: string): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  const steps = key === undefined ? path : [...path, key];
  for (const step of steps) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === step);
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      if (step === key && keyNode?.range) return keyNode.range[0];
      node = pair.value as Node | null;
      offset = node?.range?.[0] ?? keyNode?.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step] as Node | null;
      if (!node) break;
      offset = node.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

/**
 * The `policies:` section of a portcullis.yaml, everything else blanked out (characters replaced
 * by spaces, line breaks kept, trailing blanks dropped): what the policy store keeps of the config file, so that reading a
 * stored document never returns the rest of the config (dev IdP client secrets, for one), while
 * every line and column a problem names is still the file's. Text that is not a YAML mapping is
 * returned as is: it cannot compile, so it is never stored.
 */
export function policiesSection(configText: string): string {
  const doc = parseDocument(configText, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return configText;
  const pair = doc.contents.items.find((p) => (p.key as { value?: unknown } | null)?.value === 'policies');
  const start = (pair?.key as Node | null)?.range?.[0];
  const end = (pair?.value as Node | null)?.range?.[2] ?? (pair?.key as Node | null)?.range?.[2];
  const keep = (i: number) => start !== undefined && end !== undefined && i >= start && i < end;
  let out = '';
  for (let i = 0; i < configText.length; i++) {
    const c = configText[i]!;
    out += c === '\n' || c === '\r' || keep(i) ? c : ' ';
  }
  // Trailing blanks go: columns of what is kept do not move.
  return out.replace(/[ \t]+$/gm, '');
}
