import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import type { Findings } from './findings.js';
import { findMatches, maskRegions, type MaskRegion, type SourceMatch } from './mask-text.js';
import type { CompiledProfile } from './profile.js';
import { MapBuilder, type OffsetMap } from './offset-map.js';
import { inspectionView } from './text-view.js';

/** What a piece of a document's content is; everything between pieces is markup (tags, names, delimiters). */
const TEXT = 0;
const CDATA = 1;
const ATTRIBUTE = 2;
/** Comments, processing instructions, declarations: content, but not text. */
const OTHER = 3;

type PieceKind = typeof TEXT | typeof CDATA | typeof ATTRIBUTE | typeof OTHER;

const MARKUP_SPECIAL = /[&<>"']/g;
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** In a comment, CDATA section or processing instruction nothing is escaped: what could end it goes. */
const RAW_UNSAFE = /[<>]|-(?=-|$)/g;
const NAME_UNSAFE = /[^A-Za-z0-9._-]/g;

/** Where a document's content lies, as htmlparser2's tokenizer reads it (entities left encoded). */
class Pieces {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly kinds: PieceKind[] = [];

  add(start: number, end: number, kind: PieceKind): void {
    if (end > start) {
      this.starts.push(start);
      this.ends.push(end);
      this.kinds.push(kind);
    }
  }

  /** Index of the first piece ending after `position`. */
  firstEndingAfter(position: number): number {
    let low = 0;
    let high = this.ends.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ends[middle]! <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * HTML (`xml` false) or XML and its dialects (XHTML, SVG, +xml). Detectors run up to three times,
 * and their matches are merged: over the whole source through its view (entities decoded; this
 * sees attribute values and comments), and over the text content (text and CDATA) with markup
 * between them read once as nothing and once as a space (where it separates two word characters),
 * so a value split by tags or comments (`4111<b>1111</b>…`, `jo<!-- -->@example.com`) is seen
 * either way it renders. A masked span keeps the markup inside it: its first piece of content
 * takes the replacement (escaped for where it is), the other pieces of text in it are emptied. So
 * the output stays well-formed where the input was.
 */
export function maskMarkupWith(source: string, xml: boolean, compiled: CompiledProfile, findings: Findings): string {
  if (compiled.detectors.length === 0) return source;
  const pieces = tokenize(source, xml);
  const matches: SourceMatch[] = [];
  findMatches(inspectionView(source), source, compiled, matches);
  for (const spaced of [false, true]) {
    const content = textContent(source, pieces, spaced);
    if (content !== undefined) findMatches(inspectionView(content.text, { map: content.map }), source, compiled, matches);
  }
  if (matches.length === 0) return source;
  return spliceMarkup(source, pieces, maskRegions(matches, compiled, findings));
}

function tokenize(source: string, xml: boolean): Pieces {
  const pieces = new Pieces();
  const callbacks: TokenizerCallbacks = {
    ontext: (start, end) => pieces.add(start, end, TEXT),
    oncdata: (start, end, endOffset) => pieces.add(start, end - endOffset, CDATA),
    onattribdata: (start, end) => pieces.add(start, end, ATTRIBUTE),
    oncomment: (start, end, endOffset) => pieces.add(start, end - endOffset, OTHER),
    onprocessinginstruction: (start, end) => pieces.add(start, end, OTHER),
    ondeclaration: (start, end) => pieces.add(start, end, OTHER),
    onattribentity: () => undefined,
    onattribend: () => undefined,
    onattribname: () => undefined,
    onclosetag: () => undefined,
    onend: () => undefined,
    onopentagend: () => undefined,
    onopentagname: () => undefined,
    onselfclosingtag: () => undefined,
    ontextentity: () => undefined,
    isInForeignContext: () => false,
  };
  const tokenizer = new Tokenizer({ xmlMode: xml, decodeEntities: false }, callbacks);
  tokenizer.write(source);
  tokenizer.end();
  return pieces;
}

/**
 * Text and CDATA pieces joined, with markup between them read as nothing, or (`spaced`) as a space
 * where it stands between two word characters: elsewhere a space or punctuation beside the markup
 * separates already, so reading it as a space would only double that. Undefined when there is no
 * such markup, so that the pass would see what another already did.
 */
function textContent(source: string, pieces: Pieces, spaced: boolean): { text: string; map: OffsetMap } | undefined {
  const builder = new MapBuilder(source);
  let previousEnd = -1;
  let gaps = 0;
  for (let k = 0; k < pieces.kinds.length; k++) {
    const kind = pieces.kinds[k]!;
    if (kind !== TEXT && kind !== CDATA) continue;
    const start = pieces.starts[k]!;
    if (previousEnd >= 0 && start > previousEnd && (!spaced || (isWordEnd(source.charCodeAt(previousEnd - 1)) && isWordStart(source.charCodeAt(start))))) {
      gaps++;
      if (spaced) builder.emit(' ', previousEnd, start);
    }
    builder.copy(start, pieces.ends[k]!);
    previousEnd = pieces.ends[k]!;
  }
  return gaps === 0 ? undefined : builder.finish();
}

/** A letter or digit, or what may end one as written: non-ASCII, an escape's `;`. */
function isWordEnd(code: number): boolean {
  return isWordStart(code) || code === 0x3b;
}

/** A letter or digit, or what may start one as written: non-ASCII, an escape's `&`, `%` or `\`. */
function isWordStart(code: number): boolean {
  const lower = code | 0x20;
  return (code >= 0x30 && code <= 0x39) || (lower >= 0x61 && lower <= 0x7a) || code >= 0x80 || code === 0x26 || code === 0x25 || code === 0x5c;
}

/**
 * Replaces each region piece by piece: the replacement into the first piece of content it
 * touches, text pieces after it emptied, markup (and attribute values or comments lying wholly
 * inside the region, which a value split by tags does not reach into) kept. A region that starts
 * or ends inside markup itself (a value spelled as a tag or attribute name) is replaced whole, by
 * a replacement reduced to name characters.
 */
function spliceMarkup(source: string, pieces: Pieces, regions: readonly MaskRegion[]): string {
  let out = '';
  let cursor = 0;
  for (const region of regions) {
    const first = pieces.firstEndingAfter(region.start);
    const last = pieces.firstEndingAfter(region.end - 1);
    const inContent = first < pieces.kinds.length && pieces.starts[first]! <= region.start && last < pieces.kinds.length && pieces.starts[last]! < region.end;
    if (!inContent) {
      out += source.slice(cursor, region.start) + region.replacement.replace(NAME_UNSAFE, '_');
      cursor = region.end;
      continue;
    }
    out += source.slice(cursor, region.start) + encodeFor(pieces.kinds[first]!, region.replacement);
    cursor = Math.min(region.end, pieces.ends[first]!);
    for (let k = first + 1; k <= last; k++) {
      const kind = pieces.kinds[k]!;
      if (k < last && kind !== TEXT && kind !== CDATA) continue;
      const start = pieces.starts[k]!;
      out += source.slice(cursor, start);
      cursor = Math.min(region.end, pieces.ends[k]!);
    }
  }
  return out + source.slice(cursor);
}

function encodeFor(kind: PieceKind, replacement: string): string {
  if (kind === TEXT || kind === ATTRIBUTE) return replacement.replace(MARKUP_SPECIAL, (char) => ESCAPES[char]!);
  return replacement.replace(RAW_UNSAFE, '_');
}
