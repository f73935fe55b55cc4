import { canonicalJson, sha256Hex } from '@portcullis/request-model';

/** A tool as an MCP server lists it. */
export interface McpToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

/**
 * What is pinned: everything a model reads about a tool and everything that shapes its calls —
 * name, title, description, input and output schema, annotations (a "read-only" hint turned off
 * is a change too) — as SHA-256 of its RFC 8785 canonical JSON, so key order and whitespace are
 * not changes. Fields outside the definition (`_meta`, icons) are not pinned.
 */
export function toolDigest(tool: McpToolDefinition): string {
  const pinned: Record<string, unknown> = { name: tool.name };
  for (const field of ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const) if (tool[field] !== undefined) pinned[field] = tool[field];
  return sha256Hex(canonicalJson(pinned));
}

/** A tool's pin as stored. */
export interface ToolPin {
  readonly tool: string;
  readonly approvedDigest: string;
  /** The definition the upstream shows now, when it differs from the approved one. */
  readonly pendingDigest: string | undefined;
}

/** What to do with the tools an upstream listed, given their pins. */
export interface PinReview {
  /** Seen for the first time: pinned now (trust on first use). */
  readonly first: readonly { readonly tool: McpToolDefinition; readonly digest: string }[];
  /** Changed since approved, and not yet recorded as pending with this digest: record it and raise ToolDefinitionChanged. */
  readonly changed: readonly { readonly tool: McpToolDefinition; readonly digest: string; readonly approvedDigest: string }[];
  /** Shown and callable. */
  readonly allowed: ReadonlySet<string>;
  /** Withheld until an admin approves, with why. */
  readonly withheld: ReadonlyMap<string, string>;
}

export function reviewTools(pins: ReadonlyMap<string, ToolPin>, tools: readonly McpToolDefinition[]): PinReview {
  const first: { tool: McpToolDefinition; digest: string }[] = [];
  const changed: { tool: McpToolDefinition; digest: string; approvedDigest: string }[] = [];
  const allowed = new Set<string>();
  const withheld = new Map<string, string>();
  const seen = new Set<string>();
  for (const tool of tools) {
    // A list that names a tool twice is not one the gateway can pin: neither is shown.
    if (seen.has(tool.name)) {
      allowed.delete(tool.name);
      withheld.set(tool.name, 'the server lists this tool twice');
      continue;
    }
    seen.add(tool.name);
    const digest = toolDigest(tool);
    const pin = pins.get(tool.name);
    if (!pin) {
      first.push({ tool, digest });
      allowed.add(tool.name);
    } else if (pin.approvedDigest === digest) {
      allowed.add(tool.name);
    } else {
      if (pin.pendingDigest !== digest) changed.push({ tool, digest, approvedDigest: pin.approvedDigest });
      withheld.set(tool.name, `its definition changed (approved ${pin.approvedDigest.slice(0, 12)}, now ${digest.slice(0, 12)}); an administrator must approve it`);
    }
  }
  return { first, changed, allowed, withheld };
}
