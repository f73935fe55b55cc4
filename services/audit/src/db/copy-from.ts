import type pg from 'pg';

// COPY … FROM STDIN (FORMAT binary) for node-postgres, which has no API of its own for it: a
// Submittable the client queues like any query (the protocol as pg-copy-streams speaks it), and a
// writer of the binary tuple format.

/** The part of node-postgres' connection that COPY FROM STDIN needs (the part pg-copy-streams uses). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * Runs `query`, a parameterless query whose statements include one `COPY … FROM STDIN` (it may
 * have others before and after it, e.g. begin, checks, commit: one round trip for all), with all of
 * `data` as the COPY's input. `onCopyIn` is called when the COPY starts, i.e. when every statement
 * before it has run. Resolves with the number of rows copied, rejects with the first error.
 */
export function copyFrom(client: pg.ClientBase, query: string, data: Buffer, onCopyIn: () => void = () => undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let error: Error | undefined;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(rows);
    };
    const submittable = {
      submit: (connection: CopyConnection) => connection.query(query),
      handleCopyInResponse: (connection: CopyConnection) => {
        connection.sendCopyFromChunk(data);
        connection.endCopyFrom();
        onCopyIn();
      },
      handleCommandComplete: (message: { text: string }) => {
        if (message.text.startsWith('COPY ')) rows = Number(message.text.slice(5));
      },
      // At once: a connection that broke sends no ReadyForQuery.
      handleError: (err: Error) => {
        error = err;
        settle();
      },
      handleReadyForQuery: settle,
      handleRowDescription: () => undefined,
      handleDataRow: () => undefined,
      handleEmptyQuery: () => undefined,
      handlePortalSuspended: () => undefined,
      handleCopyData: () => undefined,
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** From the Unix epoch to PostgreSQL's (2000-01-01), in ms. */
const PG_EPOCH_MS = 946_684_800_000;

/** Column types the binary writer knows, and the values it takes for them (null is SQL NULL). */
export interface CopyValues {
  int8: bigint | number | string;
  text: string;
  timestamptz: Date;
  bytea: Uint8Array;
  /** JSON text. */
  jsonb: string;
}
export type CopyType = keyof CopyValues;

/** A column of a binary COPY: its type, and how to take its value from a row. */
export interface CopyColumn<R> {
  readonly type: CopyType;
  readonly value: (row: R) => CopyValues[CopyType] | null;
}

/**
 * The binary COPY format (PostgreSQL docs, "COPY: Binary Format") of `rows`, one tuple per row
 * with the values of `columns`: header, each tuple as a field count and length-prefixed fields in
 * the types' binary send formats (int8 and timestamptz as big-endian 64-bit integers, text and
 * bytea as their bytes, jsonb as version 1 and the JSON text), trailer; in one buffer.
 */
export function binaryCopy<R>(columns: readonly CopyColumn<R>[], rows: readonly R[]): Buffer {
  // Sized from above (a UTF-16 code unit is at most 3 UTF-8 bytes), so each value is measured
  // and written in one pass; allocUnsafe does not clear, so the slack costs nothing.
  let bound = SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    bound += 2 + 4 * columns.length;
    for (const column of columns) bound += maxSize(column.type, column.value(row));
  }
  const buf = Buffer.allocUnsafe(bound);
  let at = SIGNATURE.copy(buf, 0);
  at = buf.writeInt32BE(0, at); // flags
  at = buf.writeInt32BE(0, at); // header extension length
  for (const row of rows) {
    at = buf.writeInt16BE(columns.length, at);
    for (const column of columns) at = writeValue(buf, at, column.type, column.value(row));
  }
  return buf.subarray(0, buf.writeInt16BE(-1, at));
}

function maxSize(type: CopyType, value: CopyValues[CopyType] | null): number {
  if (value === null) return 0;
  switch (type) {
    case 'int8':
    case 'timestamptz':
      return 8;
    case 'text':
      return 3 * (value as string).length;
    case 'bytea':
      return (value as Uint8Array).length;
    case 'jsonb':
      return 1 + 3 * (value as string).length;
  }
}

function writeValue(buf: Buffer, at: number, type: CopyType, value: CopyValues[CopyType] | null): number {
  if (value === null) return buf.writeInt32BE(-1, at);
  switch (type) {
    case 'int8':
      return buf.writeBigInt64BE(BigInt(value as CopyValues['int8']), buf.writeInt32BE(8, at));
    case 'timestamptz':
      return buf.writeBigInt64BE(BigInt((value as Date).getTime() - PG_EPOCH_MS) * 1000n, buf.writeInt32BE(8, at));
    case 'text': {
      const length = buf.write(value as string, at + 4, 'utf8');
      buf.writeInt32BE(length, at);
      return at + 4 + length;
    }
    case 'bytea': {
      const bytes = value as Uint8Array;
      buf.set(bytes, buf.writeInt32BE(bytes.length, at));
      return at + 4 + bytes.length;
    }
    case 'jsonb': {
      buf[at + 4] = 1; // jsonb binary format version
      const length = buf.write(value as string, at + 5, 'utf8');
      buf.writeInt32BE(length + 1, at);
      return at + 5 + length;
    }
  }
}
