import { describe, expect, it } from 'vitest';
import { columnPatternMatches, parseColumnPattern, type ColumnPattern } from './index.js';

const pattern = (text: string): ColumnPattern => {
  const parsed = parseColumnPattern(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.pattern;
};
const messageOf = (text: string): string => {
  const parsed = parseColumnPattern(text);
  if (parsed.ok) throw new Error(`${text} parsed`);
  return parsed.message;
};

describe('parseColumnPattern', () => {
  it.each([
    ['users.email', { schema: undefined, table: 'users', column: 'email' }],
    ['public.users.email', { schema: 'public', table: 'users', column: 'email' }],
    ['Public.USERS.Email', { schema: 'public', table: 'users', column: 'email' }],
    ['*.users.email', { schema: undefined, table: 'users', column: 'email' }],
    ['hr.*.ssn', { schema: 'hr', table: undefined, column: 'ssn' }],
    ['*.ssn', { schema: undefined, table: undefined, column: 'ssn' }],
    ['users.*', { schema: undefined, table: 'users', column: undefined }],
    ['"Mixed Case"."Table".col', { schema: 'Mixed Case', table: 'Table', column: 'col' }],
    ['t."a.b"', { schema: undefined, table: 't', column: 'a.b' }],
    ['t."say ""hi"""', { schema: undefined, table: 't', column: 'say "hi"' }],
    ['t."*"', { schema: undefined, table: 't', column: '*' }],
    ['_t.x_1', { schema: undefined, table: '_t', column: 'x_1' }],
    ['t.c$1', { schema: undefined, table: 't', column: 'c$1' }],
    // PostgreSQL folds ASCII letters only.
    ['Straße.ÉMAIL', { schema: undefined, table: 'straße', column: 'Émail' }],
  ])('reads %s', (text, expected) => {
    expect(pattern(text)).toEqual(expected);
  });

  it('names the problem: number of parts, empty parts, quoting, characters', () => {
    expect(messageOf('email')).toBe('column pattern "email" has 1 part; use table.column or schema.table.column');
    expect(messageOf('db.s.t.c')).toBe('column pattern "db.s.t.c" has 4 parts; use table.column or schema.table.column');
    expect(messageOf('')).toMatch(/has an empty part/);
    expect(messageOf('t..c')).toMatch(/has an empty part/);
    expect(messageOf('.t.c')).toMatch(/has an empty part/);
    expect(messageOf('t.c.')).toMatch(/ends with an empty part/);
    expect(messageOf('t."c')).toMatch(/unterminated quoted part/);
    expect(messageOf('t."c"x')).toMatch(/quoted part must be followed by a dot or the end/);
    expect(messageOf('t.""')).toMatch(/empty quoted part/);
    expect(messageOf('t.a"b"')).toMatch(/must be quoted whole/);
    expect(messageOf('t.first name')).toMatch(/"first name" is not an identifier \(quote it/);
    expect(messageOf('t.1st')).toMatch(/"1st" is not an identifier/);
    expect(messageOf('t.$x')).toMatch(/"\$x" is not an identifier/);
    expect(messageOf('t.a-b')).toMatch(/is not an identifier/);
    expect(messageOf('t.**')).toMatch(/is not an identifier/);
  });
});

describe('columnPatternMatches', () => {
  const source = { schema: 'hr', table: 'users', column: 'ssn' };
  it.each([
    ['users.ssn', true],
    ['hr.users.ssn', true],
    ['public.users.ssn', false],
    ['*.users.ssn', true],
    ['hr.*.ssn', true],
    ['*.*.ssn', true],
    ['users.*', true],
    ['accounts.ssn', false],
    ['users.email', false],
    ['USERS.SSN', true],
    ['"USERS".ssn', false],
  ])('%s on hr.users.ssn: %s', (text, expected) => {
    expect(columnPatternMatches(pattern(text), source)).toBe(expected);
  });

  it('compares quoted names exactly', () => {
    expect(columnPatternMatches(pattern('"Users"."E-Mail"'), { schema: 'public', table: 'Users', column: 'E-Mail' })).toBe(true);
    expect(columnPatternMatches(pattern('"Users"."E-Mail"'), { schema: 'public', table: 'users', column: 'E-Mail' })).toBe(false);
  });
});
