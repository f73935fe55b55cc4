import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { MaskingProfile } from '@portcullis/detectors';
import { createTestDatabase, type TestDatabase } from '@portcullis/testkit';
import { rowMasker, type ResultColumn } from './row-masking.js';

// Real PostgreSQL values through rowMasker: the RowDescription's type oids and table oids as the
// server sends them, sources resolved from the catalog as the proxy will resolve them. Text format
// only: node-postgres decodes every value as UTF-8, so it cannot hand over binary values intact
// (row-masking.test.ts has the binary forms, taken from PostgreSQL's send functions).

const profile: MaskingProfile = { name: 'p', detectors: ['email', 'card'], fields: ['password'], columns: ['app.people.ssn'] };

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('row_masking');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    create schema app;
    create table app.people (
      id int4, ssn text, email varchar(100), pw text, card_int int8, card_num numeric(20, 2), card_float float8,
      card_money money, doc jsonb, tags text[], seen timestamptz, raw bytea, ok bool
    );
    insert into app.people values (
      1, '123-45-6789', 'jo@example.com', 'hunter2', 4111111111111111, 4111111111111111.00, 4111111111111111,
      '4111111111111111.00', '{"contact": {"email": "ann@example.org", "password": "x"}, "n": 12}', '{jo@example.com,vip}',
      '2024-01-01 12:00:00+00', 'jo@example.com', true
    ), (
      2, null, 'nobody', null, 42, 12.50, 1.5, '12.50', '{"n": 1}', '{a,b}', null, null, false
    );
  `);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** Every value as the bytes the server sent (pg's parsers bypassed), and the columns as the proxy would describe them. */
async function select(): Promise<{ columns: ResultColumn[]; rows: (Buffer | null)[][] }> {
  const raw = (value: string) => Buffer.from(value, 'utf8');
  const result = await client.query({
    text: 'select id, ssn, email, pw as password, card_int, card_num, card_float, card_money, doc, tags, seen, raw, ok, ssn as alias from app.people order by id',
    rowMode: 'array',
    types: { getTypeParser: () => raw },
  } as pg.QueryConfig);
  const columns: ResultColumn[] = [];
  for (const field of result.fields) {
    const source =
      field.tableID === 0
        ? undefined
        : (
            await client.query<{ schema: string; table: string; column: string }>(
              'select n.nspname as schema, c.relname as table, a.attname as column from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace where a.attrelid = $1 and a.attnum = $2',
              [field.tableID, field.columnID],
            )
          ).rows[0];
    columns.push({ name: field.name, typeOid: field.dataTypeID, format: 0, ...(source ? { source } : {}) });
  }
  return { columns, rows: result.rows as (Buffer | null)[][] };
}

describe('rowMasker against PostgreSQL', () => {
  it('masks what the server sends, by the RowDescription and the catalog', async () => {
    const { columns, rows } = await select();
    const masker = rowMasker(columns, profile);
    const findings: Record<string, number> = {};
    const [first, second] = rows.map((row) => masker.mask(row, findings));
    const text = (value: Buffer | null | undefined) => (value == null ? null : value.toString('utf8'));

    expect(text(first![1])).toBe('[REDACTED]'); // column rule
    expect(text(first![2])).toBe('j***@example.com');
    expect(text(first![3])).toBe('[REDACTED]'); // field rule on the result name
    expect(first!.slice(4, 8)).toEqual([null, null, null, null]); // card numbers in int8, numeric, float8 (4.111111111111111e+15), money ($4,111,…)
    expect(JSON.parse(text(first![8])!)).toEqual({ contact: { email: 'a***@example.org', password: '[REDACTED]' }, n: 12 });
    expect(first![9]).toBeNull(); // text[] holding an address
    expect(first![11]).toBe(rows[0]![11]); // bytea is not looked inside
    expect(first![12]).toBe(rows[0]![12]);
    expect(text(first![13])).toBe('[REDACTED]'); // an alias of the ruled column

    expect(second).toBe(rows[1]); // nothing to mask: the same row
    // ssn, password and the alias in the first row (NULL stays NULL in the second)
    expect(findings).toEqual({ column: 3, email: 3, field: 1, card: 4 });
  });
});
