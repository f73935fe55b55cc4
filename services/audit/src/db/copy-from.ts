import type pg from 'pg';

// COPY … FROM STDIN (FORMAT binary) for node-postgres, which has no API of its own for it: a
// Submittable the client queues like any query, and a writer of the binary tuple format.

/** The part of node-postgres' connection that COPY FROM STDIN needs (the part pg-copy-streams uses). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** Runs `statement` (a `COPY … FROM STDIN`) with all of `data`; resolves with the number of rows copied. */
export function copyFrom(client: pg.ClientBase, statement: string, data: Buffer): Promise<number> {
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
      submit: (connection: CopyConnection) => connection.query(statement),
      handleCopyInResponse: (connection: CopyConnection) => {
        connection.sendCopyFromChunk(data);
        connection.endCopyFrom();
      },
      handleCommandComplete: (message: { text: string }) => {
        rows = Number(message.text.split(' ')[1] ?? 0); // "COPY <n>"
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

/**
 * The binary COPY format (PostgreSQL docs, "COPY: Binary Format") of `rows`, whose values are in
 * the order and of the types of `columns`: header, each row as a field count and length-prefixed
 * fields in the types' binary send formats (int8 and timestamptz as big-endian 64-bit integers,
 * text and bytea as their bytes, jsonb as version 1 and the JSON text), trailer. Sized first, then
 * written into one buffer.
 */
export function binaryCopy(columns: readonly CopyType[], rows: readonly (readonly (CopyValues[CopyType] | null)[])[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    size += 2 + 4 * columns.length;
    for (let i = 0; i < columns.length; i++) size += valueSize(columns[i]!, row[i] ?? null);
  }
  const buf = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(buf, 0);
  at = buf.writeInt32BE(0, at); // flags
  at = buf.writeInt32BE(0, at); // header extension length
  for (const row of rows) {
    at = buf.writeInt16BE(columns.length, at);
    for (let i = 0; i < columns.length; i++) at = writeValue(buf, at, columns[i]!, row[i] ?? null);
  }
  buf.writeInt16BE(-1, at);
  return buf;
}

function valueSize(type: CopyType, value: CopyValues[CopyType] | null): number {
  if (value === null) return 0;
  switch (type) {
    case 'int8':
    case 'timestamptz':
      return 8;
    case 'text':
      return Buffer.byteLength(value as string, 'utf8');
    case 'bytea':
      return (value as Uint8Array).length;
    case 'jsonb':
      return 1 + Buffer.byteLength(value as string, 'utf8');
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
