import { expect, it } from 'vitest';
import { PgParser } from './parser.js';

// Its own file, so its own process: this test really breaks the WASM module for everyone in it.
it('after an unexpected failure inside the parser, it refuses everything rather than trust it', async () => {
  const parser = await PgParser.load();
  expect(parser.parse('SELECT 1').ok).toBe(true);
  // Past the nesting guard (the analyzer would refuse this first): the JS stack runs out in WASM.
  const deep = parser.parse(`SELECT ${Array(100_000).fill('1').join('+')}`);
  expect(deep).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED', message: expect.stringContaining('restart the process') });
  expect(parser.parse('SELECT 1')).toMatchObject({ ok: false, code: 'SQL_UNSUPPORTED' });
  expect(parser.fingerprint('SELECT 1')).toBeUndefined();
});
