import type { DetectorId } from './detector-id.js';
import type { DetectionContext, DetectorMatch } from './detector.types.js';
import { detectorFor } from './detector.registry.js';
import { countFinding, type Findings } from './findings.js';
import type { MaskingProfile, MaskResult } from './masking.types.js';
import { compileProfile, type CompiledProfile } from './profile.js';
import { inspectionView, sourceRange, type View, type ViewOptions } from './text-view.js';

export function maskText(text: string, profile: MaskingProfile): MaskResult {
  const compiled = compileProfile(profile);
  const findings: Findings = {};
  return { text: applyDetectors(text, compiled, findings), findings };
}

/** One match, placed in the source; its replacement is made from the view it was found in. */
export interface SourceMatch {
  readonly start: number;
  readonly end: number;
  readonly detector: DetectorId;
  readonly view: string;
  readonly viewStart: number;
  readonly viewEnd: number;
}

/** A source range replaced by one replacement: overlapping matches merged, the first (longest) one's replacement. */
export interface MaskRegion {
  readonly start: number;
  readonly end: number;
  readonly detector: DetectorId;
  readonly replacement: string;
}

export interface ApplyOptions extends ViewOptions {
  /** The replacement as the format writes it (form-encoded, say); raw by default. */
  readonly encode?: (replacement: string) => string;
}

/**
 * Runs every detector over the text's inspection view and replaces, in the source, the span of
 * every match: the smallest one holding every source character that contributed to it. Matches
 * that overlap (from different detectors, or the same value seen twice) are merged and replaced by
 * one replacement, so no part of either stays visible. Detecting on the original (not on a previous
 * detector's output) keeps results independent of detector order. The same string when nothing matched.
 */
export function applyDetectors(text: string, compiled: CompiledProfile, findings: Findings, context?: DetectionContext, options?: ApplyOptions): string {
  if (compiled.detectors.length === 0) return text;
  const view = inspectionView(text, options);
  const found = detectorMatches(view.text, compiled, context);
  if (found.length === 0) return text;
  const matches: SourceMatch[] = [];
  placeMatches(view, text, found, matches);
  const regions = maskRegions(matches, compiled, findings);
  return spliceRegions(text, regions, options?.encode);
}

/**
 * Texts shorter than this are prechecked (Detector.mayMatchView) before a detector's `find`: for
 * the short values of JSON documents and SQL rows, a detector's fixed cost (its regex calls, its
 * key lookups) is most of the work, and most values cannot hold what it finds.
 */
const PRECHECK_BELOW = 256;

/** Appends the matches of every detector in `view` (a view of `source`), placed in the source. */
export function findMatches(view: View, source: string, compiled: CompiledProfile, out: SourceMatch[], context?: DetectionContext): void {
  placeMatches(view, source, detectorMatches(view.text, compiled, context), out);
}

/** Every detector's matches in a view's text. */
function detectorMatches(text: string, compiled: CompiledProfile, context: DetectionContext | undefined): DetectorMatch[] {
  // A fresh array: emptying a shared one (`length = 0`) is a runtime call, dearer than allocating.
  const found: DetectorMatch[] = [];
  const precheck = text.length < PRECHECK_BELOW;
  for (const detector of compiled.detectors) {
    if (precheck && !detector.mayMatchView(text, context)) continue;
    detector.find(text, found, context);
  }
  return found;
}

/** Appends the matches `found` in `view` (a view of `source`), placed in the source. */
function placeMatches(view: View, source: string, found: readonly DetectorMatch[], out: SourceMatch[]): void {
  for (const match of found) {
    if (match.end <= match.start) continue;
    const [start, end] = sourceRange(view, match.start, match.end);
    out.push({
      start: wholeCodePointStart(source, start),
      end: wholeCodePointEnd(source, end),
      detector: match.detector,
      view: view.text,
      viewStart: match.start,
      viewEnd: match.end,
    });
  }
}

/**
 * Sorts and merges the matches into disjoint regions, in source order, counting one finding per
 * region (a value seen by two detectors, or twice, is one value).
 */
export function maskRegions(matches: SourceMatch[], compiled: CompiledProfile, findings: Findings): MaskRegion[] {
  matches.sort(byStartThenLongest);
  const regions: MaskRegion[] = [];
  let first: SourceMatch | undefined;
  let end = -1;
  let merged = false;
  for (const match of matches) {
    if (first !== undefined && match.start < end) {
      end = Math.max(end, match.end);
      merged = true;
      continue;
    }
    if (first !== undefined) regions.push(regionOf(first, end, merged, compiled, findings));
    first = match;
    end = match.end;
    merged = false;
  }
  if (first !== undefined) regions.push(regionOf(first, end, merged, compiled, findings));
  return regions;
}

/**
 * A region that holds more than one match (a card in an address's domain, a value after a PEM
 * header) is redacted whatever the style: a partial form copies part of its match (an address's
 * domain, a key's footer), and a tokenised one would stand for only one of the values, so either
 * could carry the other match out in clear.
 */
function regionOf(match: SourceMatch, end: number, merged: boolean, compiled: CompiledProfile, findings: Findings): MaskRegion {
  countFinding(findings, match.detector);
  const detector = detectorFor(match.detector);
  const style = merged ? 'redact' : compiled.styleOf(match.detector);
  const replacement = compiled.replace.detector(detector, style, match.view, match.viewStart, match.viewEnd);
  return { start: match.start, end, detector: match.detector, replacement };
}

/** The source with every region replaced by its (encoded) replacement. */
export function spliceRegions(source: string, regions: readonly MaskRegion[], encode?: (replacement: string) => string): string {
  let masked = '';
  let cursor = 0;
  for (const region of regions) {
    masked += source.slice(cursor, region.start) + (encode === undefined ? region.replacement : encode(region.replacement));
    cursor = region.end;
  }
  return masked + source.slice(cursor);
}

function byStartThenLongest(a: SourceMatch, b: SourceMatch): number {
  return a.start - b.start || b.end - a.end;
}

/** A span never splits a surrogate pair: the whole character goes. */
function wholeCodePointStart(source: string, start: number): number {
  return isLowSurrogate(source.charCodeAt(start)) && isHighSurrogate(source.charCodeAt(start - 1)) ? start - 1 : start;
}

function wholeCodePointEnd(source: string, end: number): number {
  return isHighSurrogate(source.charCodeAt(end - 1)) && isLowSurrogate(source.charCodeAt(end)) ? end + 1 : end;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
