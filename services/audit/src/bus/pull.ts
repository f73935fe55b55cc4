import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { inboxPrefix } from '@portcullis/bus';
import { PortcullisError } from '@portcullis/errors';

/** A message taken from the durable consumer, with what recording needs of it. */
export interface PulledMessage {
  readonly data: Uint8Array;
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;
  readonly streamSequence: number;
  ack(): void;
  /** Asks for redelivery after `delayMs`. */
  nak(delayMs: number): void;
}

/** A pull that failed: `NO_CONSUMER` when nothing serves the durable (503), else `PULL_FAILED`. */
export class PullError extends PortcullisError<'PULL_FAILED' | 'NO_CONSUMER'> {}

/**
 * One pull request that the server answers at once with what is pending (at most `batch`
 * messages) and then ends (JetStream `no_wait`): nothing stays open on the server, so nothing is
 * delivered to a reader that is not reading, and the process is woken once per pull instead of once
 * per message. The ingest polls with it, sleeping between pulls that came back short; under load
 * every pull comes back full and there is no sleep.
 */
export async function pullPending(nc: NatsConnection, stream: string, durable: string, batch: number, timeoutMs: number): Promise<PulledMessage[]> {
  // Under audit's own prefix: the only inbox its NATS identity may subscribe to.
  const inbox = createInbox(inboxPrefix('audit'));
  const sub = nc.subscribe(inbox, { max: batch + 1 });
  const messages: PulledMessage[] = [];
  const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
  let ended = false;
  try {
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, JSON.stringify({ batch, no_wait: true }), { reply: inbox });
    for await (const m of sub) {
      const status = m.headers?.code ?? 0;
      if (status !== 0 && m.data.length === 0) {
        // 404 No Messages / 408 Request Timeout end a short pull; anything else is a failure.
        if (status === 404 || status === 408) {
          ended = true;
          break;
        }
        // Nothing kept half-read: what came before the refusal is redelivered at once.
        for (const received of messages) received.nak(0);
        throw new PullError(status === 503 ? 'NO_CONSUMER' : 'PULL_FAILED', `pull refused: ${status} ${m.headers?.description ?? ''}`.trim());
      }
      messages.push(pulled(m));
      if (messages.length >= batch) {
        ended = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
  // No end marker in time. With messages, the server stopped early (nats-server 2.9 sends none when
  // max_ack_pending cuts a pull short): a short pull. Without any, the server did not answer at all
  // (it does not for a consumer that no longer exists): a failure the caller looks into.
  if (!ended && messages.length === 0) throw new PullError('PULL_FAILED', `no answer to a pull within ${timeoutMs} ms`);
  return messages;
}

function pulled(m: Msg): PulledMessage {
  const reply = m.reply ?? '';
  return {
    data: m.data,
    subject: m.subject,
    headers: m.headers,
    streamSequence: streamSequenceOf(reply),
    ack: () => m.respond('+ACK'),
    nak: (delayMs) => m.respond(delayMs > 0 ? `-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}` : '-NAK'),
  };
}

/**
 * The stream sequence from a JetStream ack subject:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` or, with a domain and
 * account hash, `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.…`.
 */
export function streamSequenceOf(reply: string): number {
  const tokens = reply.split('.');
  if (tokens[0] !== '$JS' || tokens[1] !== 'ACK') return 0;
  const value = tokens.length === 9 ? tokens[5] : tokens.length >= 11 ? tokens[7] : undefined;
  const seq = Number(value);
  return Number.isSafeInteger(seq) ? seq : 0;
}
