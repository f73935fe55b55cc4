import { beforeAll, describe, expect, it } from 'vitest';
import type { ParseOutcome, Parser } from './parser.js';
import { preparedStatementEffects } from './prepared-statements.js';
import { PgScanner, type Scanner } from './sql-tokens.js';
import { Utf8Text } from './utf8-text.js';

/** A parser that answers with a given tree, to reach what the real one never produces. */
const parserGiving = (stmt: unknown): Parser => ({
  parse: (): ParseOutcome => ({ ok: true, statements: [{ stmt, byteStart: 0, byteLength: undefined }] }),
  fingerprint: () => undefined,
});

let lexer: Scanner;
beforeAll(async () => {
  lexer = await PgScanner.load();
});

const effects = (stmt: unknown, sql: string, scanner: Scanner = lexer) =>
  preparedStatementEffects(parserGiving(stmt), scanner, sql, 1024 * 1024);

const constant = (location: number) => ({ A_Const: { ival: { ival: 1 }, location } });

describe('when the parser and the lexer disagree, nothing is sliced', () => {
  it.each([
    ['more arguments in the tree than in the text', { ExecuteStmt: { name: 'p', params: [constant(10), constant(10)] } }, 'EXECUTE p(1)', 'count them differently'],
    ['an argument the tree places outside its slice', { ExecuteStmt: { name: 'p', params: [constant(3), constant(13)] } }, 'EXECUTE p(1, 2)', 'places one outside'],
    ['an EXECUTE whose text does not end with its arguments', { ExecuteStmt: { name: 'p', params: [constant(10)] } }, 'EXECUTE p(1) x', 'do not end the statement'],
    ['parameter types the text does not have', { PrepareStmt: { name: 'p', argtypes: [{ TypeName: {} }], query: { SelectStmt: {} } } }, 'PREPARE p AS SELECT 1', 'types the lexer does not find'],
    ['a PREPARE whose text is something else', { PrepareStmt: { name: 'p', query: { SelectStmt: {} } } }, 'SELECT 1', 'does not start with PREPARE'],
    ['a PREPARE without a name', { PrepareStmt: { query: { SelectStmt: {} } } }, 'PREPARE p AS SELECT 1', 'PREPARE without a name'],
    ['an EXECUTE without a name', { ExecuteStmt: {} }, 'EXECUTE p', 'EXECUTE without a name'],
    ['a DEALLOCATE that is neither ALL nor named', { DeallocateStmt: {} }, 'DEALLOCATE p', 'DEALLOCATE without a name'],
  ])('%s', (_name, stmt, sql, why) => {
    expect(effects(stmt, sql)).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED', message: expect.stringContaining(why) });
  });

  it('an EXECUTE where this code does not look for one (the analyzer finds it) is refused, not other', () => {
    const result = effects({ WaitStmt: { query: { ExecuteStmt: { name: 'p' } } } }, 'WAIT EXECUTE p');
    expect(result).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED', message: expect.stringContaining('does execute where this code does not look') });
  });

  it('a lexer failure is SQL_UNSUPPORTED with its message', () => {
    const broken: Scanner = { scan: () => ({ ok: false, code: 'SQL_UNSUPPORTED', message: 'the lexer is broken' }) };
    const result = effects({ ExecuteStmt: { name: 'p', params: [constant(10)] } }, 'EXECUTE p(1)', broken);
    expect(result).toEqual({ ok: false, code: 'SQL_UNSUPPORTED', message: 'the lexer is broken' });
  });

  it('statements that need no positions are not scanned', () => {
    const broken: Scanner = { scan: () => { throw new Error('scanned'); } };
    expect(effects({ ExecuteStmt: { name: 'p' } }, 'EXECUTE p', broken)).toEqual({ ok: true, statements: [{ kind: 'execute', name: 'p', arguments: [] }] });
    expect(effects({ DeallocateStmt: { isall: true } }, 'DEALLOCATE ALL', broken)).toMatchObject({ ok: true });
  });
});

describe('Utf8Text', () => {
  it('slices by UTF-8 byte offsets exactly, lone surrogates included (3 bytes, as Buffer counts them)', () => {
    const text = new Utf8Text('a\uD800b😀c');
    expect(text.slice(4, 9)).toBe('b😀');
    expect(text.slice(1, 4)).toBe('\uD800');
    expect(text.slice(9)).toBe('c');
    expect(text.slice(0, 1)).toBe('a'); // backwards from the cursor
  });

  it('refuses an offset inside a character or past the end', () => {
    expect(() => new Utf8Text('😀').slice(2)).toThrow(/inside a character/);
    expect(() => new Utf8Text('abc').slice(0, 4)).toThrow(/outside the text/);
    expect(() => new Utf8Text('é').slice(0, 3)).toThrow(/outside the text/);
  });
});
