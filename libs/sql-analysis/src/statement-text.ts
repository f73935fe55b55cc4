/**
 * The parser delimits statements in bytes of the UTF-8 text; JavaScript strings index UTF-16 units.
 * For ASCII text the two agree, which is the common case and needs no copy.
 */
export class StatementTexts {
  private readonly bytes: Buffer | undefined;

  constructor(private readonly text: string) {
    this.bytes = Buffer.byteLength(text, 'utf8') === text.length ? undefined : Buffer.from(text, 'utf8');
  }

  slice(byteStart: number, byteLength: number | undefined): string {
    if (this.bytes === undefined) {
      const end = byteLength === undefined ? undefined : byteStart + byteLength;
      return this.text.slice(byteStart, end).trim();
    }
    const end = byteLength === undefined ? this.bytes.length : byteStart + byteLength;
    return this.bytes.toString('utf8', byteStart, end).trim();
  }
}
