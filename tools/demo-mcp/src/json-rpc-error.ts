/** A JSON-RPC error as an HTTP response, the shape the SDK's transports answer transport-level failures with. */
export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}
