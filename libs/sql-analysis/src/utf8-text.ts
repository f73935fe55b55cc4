import { UnsupportedTree } from './ast.js';

/**
 * A text addressed by UTF-8 byte offsets, as libpg-query reports positions (statement boundaries,
 * node locations, token starts and ends), sliced exactly from the JavaScript string: nothing is
 * decoded again, so what comes out is character for character what came in. A lone surrogate
 * counts 3 bytes, as both Buffer and the WASM module's string copy encode it.
 *
 * Offsets are resolved with a cursor that only moves forward: asking in ascending order — the
 * order tokens come in — costs one pass over the text; an earlier offset starts again from 0.
 */
export class Utf8Text {
  private readonly ascii: boolean;
  private index = 0;
  private byte = 0;

  constructor(readonly text: string) {
    this.ascii = Buffer.byteLength(text, 'utf8') === text.length;
  }

  /** The text from `byteStart` to `byteEnd` (undefined: to the end). */
  slice(byteStart: number, byteEnd?: number): string {
    const start = this.indexAt(byteStart);
    return this.text.slice(start, byteEnd === undefined ? undefined : this.indexAt(byteEnd));
  }

  private indexAt(byteOffset: number): number {
    if (!Number.isInteger(byteOffset) || byteOffset < 0) throw outside();
    if (this.ascii) {
      if (byteOffset > this.text.length) throw outside();
      return byteOffset;
    }
    if (byteOffset < this.byte) {
      this.index = 0;
      this.byte = 0;
    }
    while (this.byte < byteOffset && this.index < this.text.length) {
      const code = this.text.codePointAt(this.index)!;
      this.byte += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      this.index += code > 0xffff ? 2 : 1;
    }
    if (this.byte !== byteOffset) throw outside();
    return this.index;
  }
}

const outside = (): UnsupportedTree => new UnsupportedTree('a position outside the text or inside a character');
