import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LOGO_PNG_BASE64 } from './logo.js';

describe('the demo logo', () => {
  it('is a valid PNG: signature, chunks with correct CRCs, a 1×1 IHDR and inflatable image data', () => {
    const png = Buffer.from(LOGO_PNG_BASE64, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const chunks: Array<{ type: string; data: Buffer }> = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const typeAndData = png.subarray(at + 4, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
      chunks.push({ type: typeAndData.subarray(0, 4).toString('latin1'), data: typeAndData.subarray(4) });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([1, 1]);
    // One filter byte and three RGB samples for the single pixel.
    expect(inflateSync(chunks[1]!.data)).toHaveLength(4);
  });
});
