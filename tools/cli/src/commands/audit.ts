// audit verify | show | session. A broken chain is an expected outcome, reported with exit status 1.
import type { AuditApi } from '../clients.js';
import { formatEventsTable, formatVerify, recordsJson, verifyJson } from '../format.js';
import type { Io } from '../run.js';

export async function verifyChain(api: AuditApi, options: { json: boolean }, io: Io): Promise<number> {
  const result = await api.verifyChain();
  io.out(options.json ? verifyJson(result) : formatVerify(result));
  return result.ok ? 0 : 1;
}

export async function showRequest(api: AuditApi, requestId: string, options: { json: boolean }, io: Io): Promise<number> {
  const records = await api.listEvents(requestId);
  if (options.json) io.out(recordsJson(records));
  else if (records.length === 0) io.out(`no audit events for request ${requestId}`);
  else {
    const session = records.find((r) => r.sessionId !== '')?.sessionId;
    io.out(formatEventsTable(records) + (session ? `\nsession ${session} (npx portcullis audit session ${session})` : ''));
  }
  return 0;
}

/** A session replayed: SessionStarted, every request's events, SessionEnded, in chain order. */
export async function showSession(api: AuditApi, sessionId: string, options: { json: boolean }, io: Io): Promise<number> {
  const records = await api.listSessionEvents(sessionId);
  if (options.json) io.out(recordsJson(records));
  else io.out(records.length ? formatEventsTable(records) : `no audit events for session ${sessionId}`);
  return 0;
}
