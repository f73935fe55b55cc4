import { describe, expect, it } from 'vitest';
import { binaryCopy, type CopyColumn } from './copy-from.js';

type Row = readonly [number | null, string | null, Date | null, Uint8Array | null, string | null];

const COLUMNS: CopyColumn<Row>[] = [
  { type: 'int8', value: (r) => r[0] },
  { type: 'text', value: (r) => r[1] },
  { type: 'timestamptz', value: (r) => r[2] },
  { type: 'bytea', value: (r) => r[3] },
  { type: 'jsonb', value: (r) => r[4] },
];

describe('binaryCopy', () => {
  it('writes the binary COPY format: signature, flags, tuples of length-prefixed fields, trailer', () => {
    const out = binaryCopy(COLUMNS, [[7, 'é', new Date('2000-01-01T00:00:01.5Z'), Uint8Array.of(1, 2), '{"a":1}']]);
    const expected = Buffer.concat([
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
      Buffer.from('0000000000000000', 'hex'), // flags, header extension length
      Buffer.from('0005', 'hex'), // field count
      Buffer.from('00000008' + '0000000000000007', 'hex'), // int8 7
      Buffer.from('00000002c3a9', 'hex'), // text "é" in UTF-8
      Buffer.from('00000008' + '000000000016e360', 'hex'), // 1.5 s after 2000-01-01, in µs
      Buffer.from('000000020102', 'hex'), // bytea
      Buffer.concat([Buffer.from('0000000801', 'hex'), Buffer.from('{"a":1}')]), // jsonb: version 1, text
      Buffer.from('ffff', 'hex'), // trailer
    ]);
    expect(out.toString('hex')).toBe(expected.toString('hex'));
  });

  it('writes SQL NULL as length -1, and no rows as header and trailer only', () => {
    const out = binaryCopy(COLUMNS, [[null, null, null, null, null]]);
    expect(out.subarray(19, 21).toString('hex')).toBe('0005');
    expect(out.subarray(21, 41).toString('hex')).toBe('ffffffff'.repeat(5));
    expect(binaryCopy(COLUMNS, []).toString('hex')).toBe(`${Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').toString('hex')}0000000000000000ffff`);
  });
});
