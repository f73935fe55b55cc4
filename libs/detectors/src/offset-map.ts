/**
 * Where each code unit of a derived text (an inspection view, a document's text content) comes
 * from in its source, as segments: a *copy* segment maps unit i to the one source unit
 * `sourceStart + (i - viewStart)`; a *block* segment maps every unit to the whole source span
 * [sourceStart, sourceEnd) (a decoded escape, a folded character, the markup read as a space).
 * The cost is one segment per change, not per unit, so a long text with a few escapes maps
 * cheaply. Both ends of the unit spans are non-decreasing, and spans overlap only for units of one
 * block, so view range [s, e) comes from source [start of s, end of e - 1).
 */
export interface OffsetMap {
  /** Segments. */
  readonly count: number;
  readonly viewStarts: Int32Array;
  readonly sourceStarts: Int32Array;
  readonly sourceEnds: Int32Array;
  /** 1 for a copy segment, 0 for a block. */
  readonly copies: Uint8Array;
}

/** Source index of unit `unit` of a text mapped by `map` (identity without one). */
export function mappedStart(map: OffsetMap | undefined, unit: number): number {
  if (map === undefined) return unit;
  const k = segmentOf(map, unit);
  return map.copies[k] === 1 ? map.sourceStarts[k]! + (unit - map.viewStarts[k]!) : map.sourceStarts[k]!;
}

/** Source index just past unit `unit`. */
export function mappedEnd(map: OffsetMap | undefined, unit: number): number {
  if (map === undefined) return unit + 1;
  const k = segmentOf(map, unit);
  return map.copies[k] === 1 ? map.sourceStarts[k]! + (unit - map.viewStarts[k]!) + 1 : map.sourceEnds[k]!;
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

/**
 * Builds a text out of an input text (itself mapped onto a source by `inputMap`, or the source
 * itself) and its map, in the source's coordinates: the input's map is composed in as it goes.
 */
export class MapBuilder {
  private readonly parts: string[] = [];
  private length = 0;
  private count = 0;
  private viewStarts = new Int32Array(16);
  private sourceStarts = new Int32Array(16);
  private sourceEnds = new Int32Array(16);
  private copies = new Uint8Array(16);
  /** Last code unit written, -1 before any. */
  lastCode = -1;

  constructor(
    private readonly input: string,
    private readonly inputMap: OffsetMap | undefined,
  ) {}

  /** Input units [a, b) unchanged. */
  copy(a: number, b: number): void {
    if (b <= a) return;
    this.parts.push(this.input.slice(a, b));
    this.lastCode = this.input.charCodeAt(b - 1);
    const map = this.inputMap;
    if (map === undefined) {
      this.segment(b - a, a, b, 1);
      return;
    }
    // The input's segments over [a, b), each cut to the range.
    for (let k = segmentOf(map, a); k < map.count && map.viewStarts[k]! < b; k++) {
      const from = Math.max(a, map.viewStarts[k]!);
      const to = Math.min(b, k + 1 < map.count ? map.viewStarts[k + 1]! : b);
      if (map.copies[k] === 1) {
        const offset = map.sourceStarts[k]! - map.viewStarts[k]!;
        this.segment(to - from, from + offset, to + offset, 1);
      } else {
        this.segment(to - from, map.sourceStarts[k]!, map.sourceEnds[k]!, 0);
      }
    }
  }

  /** `text` in place of input units [a, b): every unit of it maps to their whole span. */
  emit(text: string, a: number, b: number): void {
    this.parts.push(text);
    this.lastCode = text.charCodeAt(text.length - 1);
    this.segment(text.length, mappedStart(this.inputMap, a), mappedEnd(this.inputMap, b - 1), 0);
  }

  /**
   * Input units [a, b) removed: the previous unit's span grows over them, so a match ending there
   * hides them too (a mark after a card's last digit goes with it).
   */
  drop(b: number): void {
    const k = this.count - 1;
    if (k < 0) return;
    const end = mappedEnd(this.inputMap, b - 1);
    if (this.copies[k] === 0) {
      this.sourceEnds[k] = end;
      return;
    }
    // Split the copy's last unit off into a block that covers the dropped units too.
    const lastStart = this.sourceEnds[k]! - 1;
    if (this.sourceEnds[k]! - this.sourceStarts[k]! === 1) {
      this.copies[k] = 0;
      this.sourceEnds[k] = end;
      return;
    }
    this.sourceEnds[k] = lastStart;
    this.length--;
    this.segment(1, lastStart, end, 0);
  }

  finish(): { text: string; map: OffsetMap } {
    const { count } = this;
    return {
      text: this.parts.join(''),
      map: {
        count,
        viewStarts: this.viewStarts.subarray(0, count),
        sourceStarts: this.sourceStarts.subarray(0, count),
        sourceEnds: this.sourceEnds.subarray(0, count),
        copies: this.copies.subarray(0, count),
      },
    };
  }

  private segment(units: number, sourceStart: number, sourceEnd: number, copy: 0 | 1): void {
    if (units <= 0) return;
    const k = this.count;
    // A copy continuing the previous copy in the source extends it.
    if (copy === 1 && k > 0 && this.copies[k - 1] === 1 && this.sourceEnds[k - 1] === sourceStart) {
      this.sourceEnds[k - 1] = sourceEnd;
      this.length += units;
      return;
    }
    if (k === this.viewStarts.length) this.grow();
    this.viewStarts[k] = this.length;
    this.sourceStarts[k] = sourceStart;
    this.sourceEnds[k] = sourceEnd;
    this.copies[k] = copy;
    this.count++;
    this.length += units;
  }

  private grow(): void {
    const capacity = this.viewStarts.length * 2;
    const grown = <T extends Int32Array | Uint8Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.viewStarts = grown(this.viewStarts, new Int32Array(capacity));
    this.sourceStarts = grown(this.sourceStarts, new Int32Array(capacity));
    this.sourceEnds = grown(this.sourceEnds, new Int32Array(capacity));
    this.copies = grown(this.copies, new Uint8Array(capacity));
  }
}
