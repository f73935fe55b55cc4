import { describe, expect, it } from 'vitest';
import { ByteScratch } from './byte-scratch.js';
import { writeBinaryInt64, writeBinaryNumeric, writeDouble } from './pg-numbers.js';

const hex = (text: string) => Buffer.from(text, 'hex');
const render = (write: (out: ByteScratch) => boolean | void): string | undefined => {
  const out = new ByteScratch();
  return write(out) === false ? undefined : out.text();
};

// numeric_send output and numeric_out text, both taken from PostgreSQL 15.
const NUMERICS: readonly [string, string][] = [
  ['0004000300000000100f045704570457', '4111111111111111'],
  ['0004000340000000100f045704570457', '-4111111111111111'],
  ['0004000300000002100f045704570457', '4111111111111111.00'],
  ['0007000300000009100f04570457045704d2162e2328', '4111111111111111.123456789'],
  ['0004000100000008100f045704570457', '41111111.11111111'],
  ['0005fffe00000015019b04570457045703e8', '0.000004111111111111111'],
  ['000300020000000004d2162e2334', '123456789012'],
  ['00010005000000000001', '100000000000000000000'],
  ['00000000f0000020', '-Infinity'],
  ['00000000d0000020', 'Infinity'],
  ['00000000c0000000', 'NaN'],
  ['00010002000000000001', '100000000'],
  ['0001ffff000000011388', '0.5'],
  ['0004000400000000100f045704570457', '41111111111111110000'],
  ['0002000000000004000c0d48', '12.3400'],
  ['0000000000000000', '0'],
  ['0000000000000002', '0.00'],
  ['0001ffff40000003000a', '-0.001'],
  ['0003000100000004000100000001', '10000.0001'],
  ['0004000100000008270f270f270f270f', '99999999.99999999'],
];

describe('writeBinaryNumeric', () => {
  it.each(NUMERICS)('%s is %s, as numeric_out prints it', (bytes, text) => {
    expect(render((out) => writeBinaryNumeric(out, hex(bytes)))).toBe(text);
  });

  it.each([
    ['shorter than its header', '000100'],
    ['fewer digits than ndigits says', '0002000000000000000c'],
    ['more bytes than ndigits says', '0001000000000000000c0000'],
    ['a digit of 10000 or more', '00010000000000002710'],
    ['an unknown sign', '00010000200000000001'],
    ['NaN with digits', '00010000c00000000001'],
    ['a display scale beyond the maximum', '00010000000040000001'],
  ])('refuses a value with %s', (_what, bytes) => {
    expect(render((out) => writeBinaryNumeric(out, hex(bytes)))).toBeUndefined();
  });
});

describe('writeBinaryInt64', () => {
  it.each([
    ['000e9b08a568f1c7', '4111111111111111'],
    ['fff164f75a970e39', '-4111111111111111'],
    ['8000000000000000', '-9223372036854775808'],
    ['7fffffffffffffff', '9223372036854775807'],
    ['0000000000000000', '0'],
    ['ffffffffffffffff', '-1'],
    ['00000000ffffffff', '4294967295'],
    ['0000000100000000', '4294967296'],
  ])('%s is %s', (bytes, text) => {
    expect(render((out) => writeBinaryInt64(out, hex(bytes)))).toBe(text);
  });

  it('writes the magnitude only when asked (money), and refuses a value that is not 8 bytes', () => {
    expect(render((out) => writeBinaryInt64(out, hex('fa4b709f63018e44'), false))).toBe('411111111111111100');
    expect(render((out) => writeBinaryInt64(out, hex('00000000000004')))).toBeUndefined();
  });
});

describe('writeDouble', () => {
  it.each([
    [4111111111111111, '4111111111111111'],
    [-4111111111111111, '-4111111111111111'],
    [4222222222222, '4222222222222'],
    [1.5, '1.5'],
    [0, '0'],
    [2 ** 53, '9007199254740992'],
    [1e20, '100000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.5e-7, '-0.00000015'],
    [Number.NaN, ''],
    [Number.NEGATIVE_INFINITY, ''],
  ])('%s is written out as %s', (value, text) => {
    expect(render((out) => writeDouble(out, value))).toBe(text);
  });

  it('writes the exact integer a large double holds, growing its buffer', () => {
    const text = render((out) => writeDouble(out, 1e300));
    expect(text).toBe(BigInt(1e300).toString());
    expect(text).toHaveLength(301);
  });
});
