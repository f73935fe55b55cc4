import type { Migration } from 'kysely';
import * as createMcpToolPins from './20261202200000-create-mcp-tool-pins.js';

/** Every migration of the `ingress` schema, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '20261202200000-create-mcp-tool-pins': createMcpToolPins,
};
