/**
 * Where each code unit of a derived text (an inspection view's round, a document's text content)
 * comes from in the text it was made from, as segments: a *copy* segment maps unit i to the one source unit
 * `sourceStart + (i - viewStart)`; a *block* segment maps every unit to the whole source span
 * [sourceStart, sourceEnd) (a decoded escape, a folded character, the markup read as a space).
 * The cost is one segment per change, not per unit, so a long text with a few escapes maps
 * cheaply. Both ends of the unit spans are non-decreasing, and spans overlap only for units of one
 * block, so view range [s, e) comes from source [start of s, end of e - 1).
 */
export interface OffsetMap {
  /** Segments. */
  readonly count: number;
  readonly viewStarts: readonly number[];
  readonly sourceStarts: readonly number[];
  readonly sourceEnds: readonly number[];
  /** 1 for a copy segment, 0 for a block. */
  readonly copies: readonly number[];
}

/** Index, in the text a map was made from, of unit `unit` (identity without a map). */
export function mappedStart(map: OffsetMap | undefined, unit: number): number {
  if (map === undefined) return unit;
  const k = segmentOf(map, unit);
  return map.copies[k] === 1 ? map.sourceStarts[k]! + (unit - map.viewStarts[k]!) : map.sourceStarts[k]!;
}

/** Index just past unit `unit`. */
export function mappedEnd(map: OffsetMap | undefined, unit: number): number {
  if (map === undefined) return unit + 1;
  const k = segmentOf(map, unit);
  return map.copies[k] === 1 ? map.sourceStarts[k]! + (unit - map.viewStarts[k]!) + 1 : map.sourceEnds[k]!;
}

/**
 * Maps a range through a chain of maps (outermost first; each made from the text the previous one
 * produced): the smallest range of the outermost source that holds every unit the range came
 * from. Composed here, at lookup, so building a chain costs nothing per unit.
 */
export function chainRange(maps: readonly OffsetMap[], start: number, end: number): [number, number] {
  let from = start;
  let to = end;
  for (let k = maps.length - 1; k >= 0; k--) {
    const map = maps[k]!;
    from = mappedStart(map, from);
    to = mappedEnd(map, to - 1);
  }
  return [from, to];
}

/** The last segment starting at or before `unit`. */
function segmentOf(map: OffsetMap, unit: number): number {
  let low = 0;
  let high = map.count - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (map.viewStarts[middle]! <= unit) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Code units buffered before they are appended (well within an argument list's limit). */
const PENDING_LIMIT = 4096;

/** Builds a text out of an input text, with its map onto that input. */
export class MapBuilder {
  // Appended with += (a rope V8 flattens once): much faster than joining many small parts.
  private text = '';
  private length = 0;
  // Plain arrays of small integers: compact in V8, and push needs no capacity bookkeeping.
  private readonly viewStarts: number[] = [];
  private readonly sourceStarts: number[] = [];
  private readonly sourceEnds: number[] = [];
  private readonly copies: number[] = [];
  /** Single code units emitted, not yet appended to `text`. */
  private readonly pending: number[] = [];
  /** Last code unit written, -1 before any. */
  lastCode = -1;

  constructor(private readonly input: string) {}

  /** Input units [a, b) unchanged. */
  copy(a: number, b: number): void {
    if (b <= a) return;
    this.flush();
    this.text += this.input.slice(a, b);
    this.lastCode = this.input.charCodeAt(b - 1);
    this.copySegment(a, b);
  }

  /** `text` in place of input units [a, b): every unit of it maps to their whole span. */
  emit(text: string, a: number, b: number): void {
    this.lastCode = text.charCodeAt(text.length - 1);
    if (text.length === 1 && b - a === 1) {
      // One unit for one (a full-width digit, a no-break space): mapped as a copy is, so a run of
      // them is one segment, and written through a buffer rather than a string per unit.
      this.pending.push(this.lastCode);
      if (this.pending.length === PENDING_LIMIT) this.flush();
      this.copySegment(a, b);
      return;
    }
    this.flush();
    this.text += text;
    this.segment(a, b, 0);
    this.length += text.length;
  }

  /**
   * Input units before `b` removed: the previous unit's span grows over them, so a match ending
   * there hides them too (a mark after a card's last digit goes with it).
   */
  drop(b: number): void {
    const k = this.copies.length - 1;
    if (k < 0) return;
    if (this.copies[k] === 0) {
      this.sourceEnds[k] = b;
      return;
    }
    // Split the copy's last unit off into a block that covers the dropped units too.
    const lastStart = this.sourceEnds[k]! - 1;
    if (lastStart === this.sourceStarts[k]) {
      this.copies[k] = 0;
      this.sourceEnds[k] = b;
      return;
    }
    this.sourceEnds[k] = lastStart;
    this.viewStarts.push(this.length - 1);
    this.sourceStarts.push(lastStart);
    this.sourceEnds.push(b);
    this.copies.push(0);
  }

  finish(): { text: string; map: OffsetMap } {
    this.flush();
    const { viewStarts, sourceStarts, sourceEnds, copies } = this;
    return { text: this.text, map: { count: copies.length, viewStarts, sourceStarts, sourceEnds, copies } };
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.text += String.fromCharCode(...this.pending);
    this.pending.length = 0;
  }

  private copySegment(a: number, b: number): void {
    const k = this.copies.length - 1;
    // A copy continuing the previous copy extends it.
    if (k >= 0 && this.copies[k] === 1 && this.sourceEnds[k] === a) this.sourceEnds[k] = b;
    else this.segment(a, b, 1);
    this.length += b - a;
  }

  private segment(sourceStart: number, sourceEnd: number, copy: 0 | 1): void {
    this.viewStarts.push(this.length);
    this.sourceStarts.push(sourceStart);
    this.sourceEnds.push(sourceEnd);
    this.copies.push(copy);
  }
}
