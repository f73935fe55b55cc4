import type { Socket } from 'node:net';
import type { Frame, MessageReader } from '@portcullis/pg-wire';

/** The frames of a socket one at a time, while a handshake (client startup, database login) reads them in turn. */
export interface FrameSource {
  /** The next frame; undefined once the socket ended or closed. Rejects on malformed input (PgWireError) or a socket error. */
  next(): Promise<Frame | undefined>;
  /** Stops reading; the socket is paused, so nothing is lost before whoever reads it next. */
  detach(): void;
}

export function frameSource(socket: Socket, reader: MessageReader): FrameSource {
  let waiter: { resolve: (f: Frame | undefined) => void; reject: (e: Error) => void } | undefined;
  let closed = false;
  let failure: Error | undefined;
  const settle = () => {
    if (!waiter) return;
    const w = waiter;
    try {
      const frame = reader.next();
      if (frame) {
        waiter = undefined;
        w.resolve(frame);
      } else if (failure) {
        waiter = undefined;
        w.reject(failure);
      } else if (closed) {
        waiter = undefined;
        w.resolve(undefined);
      }
    } catch (err) {
      waiter = undefined;
      w.reject(err as Error);
    }
  };
  const onData = (chunk: Buffer) => {
    reader.push(chunk);
    settle();
  };
  const onEnd = () => {
    closed = true;
    settle();
  };
  const onError = (err: Error) => {
    failure ??= err;
    settle();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
  socket.resume();
  return {
    next: () =>
      new Promise((resolve, reject) => {
        waiter = { resolve, reject };
        settle();
      }),
    detach: () => {
      socket.pause();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    },
  };
}
