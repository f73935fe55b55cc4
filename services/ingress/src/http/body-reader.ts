import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from '../domain/exchange.js';
import type { Refusal } from '../domain/refusal.js';

/**
 * A body slower than this, on average since its first byte was due, is cut off once the grace has
 * passed: a client trickling bytes would otherwise hold a slot (and a buffer) for the whole request
 * timeout. 1 KiB/s is far below any real client and far above a slowloris.
 */
export const MIN_BODY_BYTES_PER_SECOND = 1024;
export const BODY_RATE_GRACE_MS = 5000;

export type BodyRead =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: 'too_large' | 'gone' | 'too_slow' }
  /** The principal's buffered-bytes budget refused what the body would keep (`refusal` says so). */
  | { readonly ok: false; readonly reason: 'over_budget'; readonly refusal: Refusal };

const EMPTY = Buffer.alloc(0);

/**
 * Reads a request body up to `limit` bytes (a declared length over it is refused before reading),
 * cutting off a sender slower than the minimum rate. A request with neither a length nor chunked
 * framing has no body (RFC 9112 §6.3). With a `budget`, the bytes are reserved before they are
 * kept: a declared length at once, a chunked body chunk by chunk.
 */
export async function readRequestBody(req: IncomingMessage, limit: number, options: { readonly minBytesPerSecond?: number; readonly graceMs?: number; readonly now?: () => number; readonly budget?: BodyBudget } = {}): Promise<BodyRead> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return { ok: true, body: EMPTY };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return { ok: false, reason: 'too_large' };
  }
  const budget = options.budget;
  const upfront = req.headers['content-length'] !== undefined && budget !== undefined;
  if (upfront) {
    const refused = budget.reserve(declared);
    if (refused) {
      req.resume();
      return { ok: false, reason: 'over_budget', refusal: refused };
    }
  }
  const now = options.now ?? Date.now;
  const minRate = options.minBytesPerSecond ?? MIN_BODY_BYTES_PER_SECOND;
  const grace = options.graceMs ?? BODY_RATE_GRACE_MS;
  const started = now();
  return new Promise<BodyRead>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead) => {
      clearInterval(check);
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('aborted', onGone).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        return finish({ ok: false, reason: 'too_large' });
      }
      const refused = upfront ? undefined : budget?.reserve(chunk.length);
      if (refused) {
        req.resume();
        return finish({ ok: false, reason: 'over_budget', refusal: refused });
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    const onGone = () => finish({ ok: false, reason: 'gone' });
    const onClose = () => {
      if (!req.complete) onGone();
    };
    // Too slow: stop reading (the caller answers 408 and closes the connection).
    const check = setInterval(() => {
      const elapsed = now() - started;
      if (elapsed > grace && size < (minRate * elapsed) / 1000) {
        req.pause();
        finish({ ok: false, reason: 'too_slow' });
      }
    }, 250);
    check.unref();
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('aborted', onGone).on('close', onClose);
  });
}
