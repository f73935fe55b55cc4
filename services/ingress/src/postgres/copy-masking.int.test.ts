import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { MaskingProfile } from '@portcullis/detectors';
import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { createTestDatabase, type TestDatabase } from '@portcullis/testkit';
import { copyMasker } from './copy-masking.js';

// Real PostgreSQL on both sides of the masker: COPY TO STDOUT output, read with the layout
// copyStatement finds in the statement, masked, then loaded back with COPY FROM STDIN using the
// same options. What PostgreSQL reads back is what a client would: the masked values, nothing else.

/** The part of node-postgres' connection the COPY sub-protocol needs (what pg-copy-streams uses). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * Runs one COPY through pg's Submittable interface: its CopyData messages (COPY TO), or `input`
 * sent as its data (COPY FROM).
 */
function runCopy(client: pg.Client, text: string, input?: Buffer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const submittable = {
      submit: (connection: CopyConnection) => connection.query(text),
      handleCopyData: (message: { chunk: Buffer }) => chunks.push(Buffer.from(message.chunk)),
      handleCopyInResponse: (connection: CopyConnection) => {
        if (input) connection.sendCopyFromChunk(input);
        connection.endCopyFrom();
      },
      handleCommandComplete: () => undefined,
      // At once: pg hands the ReadyForQuery after an error to no one.
      handleError: reject,
      handleReadyForQuery: () => resolve(chunks),
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}

const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card'], fields: ['secret'], columns: ['public.people.ssn'] };
const COLUMNS = [
  { name: 'id', source: { schema: 'public', table: 'people', column: 'id' } },
  { name: 'email', source: { schema: 'public', table: 'people', column: 'email' } },
  { name: 'ssn', source: { schema: 'public', table: 'people', column: 'ssn' } },
  { name: 'note', source: { schema: 'public', table: 'people', column: 'note' } },
  { name: 'secret', source: { schema: 'public', table: 'people', column: 'secret' } },
];

let db: TestDatabase;
let client: pg.Client;
let analyzer: SqlAnalyzer;

beforeAll(async () => {
  [db, analyzer] = await Promise.all([createTestDatabase('copy_masking'), SqlAnalyzer.create({ cacheSize: 0 })]);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    create table people (id int, email text, ssn text, note text, secret text);
    insert into people values
      (1, 'jo@example.com', '123-45-6789', E'tab\\there jo@example.com, new\\nline, back\\\\slash, cr\\rhere', 'pw'),
      (2, null, '', E'say "hi", 4111 1111 1111 1111', null),
      (3, 'x,y;z', null, E'é ü \\\\. a "quoted, field" 4111-1111-1111-1111', ''),
      (4, E'ann@example.org\\n', 'x', E'\\\\.', 'NULL'),
      (5, '', E'\\t', E'"', ',');
    create table loaded (like people);
  `);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const EXPECTED = [
  [1, 'j***@example.com', '[REDACTED]', 'tab\there j***@example.com, new\nline, back\\slash, cr\rhere', '[REDACTED]'],
  [2, null, '[REDACTED]', 'say "hi", **** **** **** 1111', null],
  [3, 'x,y;z', null, 'é ü \\. a "quoted, field" ****-****-****-1111', '[REDACTED]'],
  [4, 'a***@example.org\n', '[REDACTED]', '\\.', '[REDACTED]'],
  [5, '', '[REDACTED]', '"', '[REDACTED]'],
];

describe('COPY masking against PostgreSQL', () => {
  it.each([
    ['', ''],
    ['WITH (FORMAT csv)', 'WITH (FORMAT csv)'],
    ['WITH (FORMAT csv, HEADER)', 'WITH (FORMAT csv, HEADER)'],
    ["CSV HEADER DELIMITER ';' QUOTE '''' ESCAPE '\\' NULL 'NIL' FORCE QUOTE *", "CSV HEADER DELIMITER ';' QUOTE '''' ESCAPE '\\' NULL 'NIL'"],
    ["WITH (DELIMITER '|', NULL 'nil')", "WITH (DELIMITER '|', NULL 'nil')"],
    ["WITH (FORMAT text, DELIMITER ',', HEADER true)", "WITH (FORMAT text, DELIMITER ',', HEADER true)"],
  ])('COPY people TO STDOUT %s', async (options, loadOptions) => {
    const statement = analyzer.copyStatement(`COPY people TO STDOUT ${options}`);
    if (!statement.ok) throw new Error(statement.message);
    const outcome = copyMasker(COLUMNS, statement.format, profile);
    if (!outcome.ok) throw new Error(outcome.message);

    const findings: Record<string, number> = {};
    const messages = await runCopy(client, `COPY people TO STDOUT ${options}`);
    const masked = Buffer.concat([...messages.map((message) => outcome.masker.push(message, findings)), outcome.masker.end()]);

    await client.query('truncate loaded');
    await runCopy(client, `COPY loaded FROM STDIN ${loadOptions}`, masked);
    const { rows } = await client.query({ text: 'select * from loaded order by id', rowMode: 'array' });
    expect(rows).toEqual(EXPECTED);
    expect(findings).toEqual({ email: 3, card: 2, column: 8 });
  });
});
