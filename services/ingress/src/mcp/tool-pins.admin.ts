import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBearer } from '@portcullis/service-kit';
import type { PgToolPins } from '../db/tool-pins.repository.js';
import { ToolPinError } from '../db/tool-pins.repository.js';
import type { IdentityPort } from '../domain/ports.js';

/**
 * The admin API of tool pinning on the ingress HTTP port (what `portcullis mcp tools` calls):
 *   GET  /admin/mcp/tools[?connection=<name>]          every pin, with pending definitions to review
 *   POST /admin/mcp/tools/approve {connection, tool, digest}   approves exactly that pending digest
 * The caller's bearer token is verified by identity; its principal must be in mcp.adminGroups
 * (none configured: nobody may). Answers JSON; errors as {"error":{code,message}}.
 */
export class ToolPinsAdmin {
  constructor(
    private readonly pins: PgToolPins,
    private readonly identity: IdentityPort,
    private readonly adminGroups: readonly string[],
    private readonly hasConnection: (name: string) => boolean,
  ) {}

  /** Whether the request was for this API (it is then answered). */
  handles(path: string): boolean {
    return path === '/admin/mcp/tools' || path === '/admin/mcp/tools/approve';
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const token = parseBearer(req.headers.authorization);
    if (!token) return reply(res, 401, { error: { code: 'TOKEN_MISSING', message: 'an admin bearer token is required' } }, { 'www-authenticate': 'Bearer realm="portcullis"' });
    // An admin call asks identity afresh: a revoked admin is refused at once.
    const verified = await this.identity.verify(token, { fresh: true }).catch(() => undefined);
    if (!verified) return reply(res, 503, { error: { code: 'IDENTITY_UNAVAILABLE', message: 'the identity service is unavailable' } });
    if (!verified.ok) return reply(res, 401, { error: { code: verified.code, message: verified.message } }, { 'www-authenticate': 'Bearer realm="portcullis", error="invalid_token"' });
    const principal = verified.principal;
    if (!principal.groups.some((g) => this.adminGroups.includes(g))) return reply(res, 403, { error: { code: 'PERMISSION_DENIED', message: 'only members of mcp.adminGroups may manage pinned tools' } });
    if (path === '/admin/mcp/tools') {
      if (req.method !== 'GET') return reply(res, 405, { error: { code: 'BAD_REQUEST', message: 'use GET' } }, { allow: 'GET' });
      const connection = new URL(req.url ?? '', 'http://x').searchParams.get('connection') ?? undefined;
      if (connection !== undefined && !this.hasConnection(connection)) return reply(res, 404, { error: { code: 'UNKNOWN_CONNECTION', message: `no MCP connection named "${connection.slice(0, 64)}"` } });
      return reply(res, 200, { tools: await this.pins.list(connection) });
    }
    if (req.method !== 'POST') return reply(res, 405, { error: { code: 'BAD_REQUEST', message: 'use POST' } }, { allow: 'POST' });
    const body = await readJson(req);
    if (!body || typeof body.connection !== 'string' || typeof body.tool !== 'string' || typeof body.digest !== 'string' || !/^[0-9a-f]{64}$/.test(body.digest)) {
      return reply(res, 400, { error: { code: 'BAD_REQUEST', message: 'send {"connection", "tool", "digest"} (the 64-hex digest of the pending definition you reviewed)' } });
    }
    if (!this.hasConnection(body.connection)) return reply(res, 404, { error: { code: 'UNKNOWN_CONNECTION', message: `no MCP connection named "${body.connection.slice(0, 64)}"` } });
    try {
      const approved = await this.pins.approve(body.connection, body.tool, body.digest, principal.subject);
      return reply(res, 200, { connection: body.connection, tool: body.tool, digest: body.digest, previousDigest: approved.previousDigest, approvedBy: principal.subject });
    } catch (err) {
      if (err instanceof ToolPinError) return reply(res, 409, { error: { code: err.code, message: err.message } });
      throw err;
    }
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
