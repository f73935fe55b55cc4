import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { beforeAll, describe, expect, it } from 'vitest';
import { readsRedactedColumn } from './derived-columns.js';

const profile = { name: 'p', detectors: [], fields: ['password'], columns: ['customers.card_number', 'public.customers.email'] } as const;
let analyzer: SqlAnalyzer;
beforeAll(async () => {
  analyzer = await SqlAnalyzer.create();
});

const reads = (sql: string, p: Parameters<typeof readsRedactedColumn>[1] = profile) => {
  const analysis = analyzer.analyze(sql);
  if (!analysis.ok) throw new Error(analysis.message);
  return analysis.statements.some((s) => readsRedactedColumn(s.columnsRead, p));
};

describe('readsRedactedColumn', () => {
  it.each([
    ['select upper(email) from customers', true],
    ['select c.card_number || \'\' from customers c', true],
    ['select to_jsonb(c) from customers c', true],
    ['select row(c.*) from customers c', true],
    ['select json_agg(customers) from customers', true],
    ['select x.e from (select email as e from customers) x', true],
    ['select id from customers where email = \'a@b.c\'', true],
    ['select password from accounts', true],
    ['select id, name from customers', false],
    ['select orders.email from orders', false],
    ['select other.customers.email from other.customers', false],
    ['select 1', false],
  ])('%s → %s', (sql, expected) => {
    expect(reads(sql)).toBe(expected);
  });

  it('a profile without rules never marks a statement', () => {
    expect(reads('select upper(email) from customers', { name: 'd', detectors: ['email'], fields: [], columns: [] })).toBe(false);
  });
});
