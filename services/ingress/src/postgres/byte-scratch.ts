/**
 * A growable byte buffer reused value after value (decimal renderings of numbers, decoded COPY
 * fields), so that a clean value costs no allocation.
 */
export class ByteScratch {
  bytes = Buffer.allocUnsafe(64);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  push(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }

  pushAscii(text: string): void {
    for (let i = 0; i < text.length; i++) this.push(text.charCodeAt(i));
  }

  /** The bytes as ASCII text (decimal renderings). */
  text(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }

  /** Reverses bytes[from, length): digits are produced least significant first. */
  reverseFrom(from: number): void {
    for (let i = from, j = this.length - 1; i < j; i++, j--) {
      const byte = this.bytes[i]!;
      this.bytes[i] = this.bytes[j]!;
      this.bytes[j] = byte;
    }
  }
}
