import type { DetectionContext, DetectorMatch } from './detector.types.js';
import { detectorFor } from './detector.registry.js';
import { countFinding, type Findings } from './findings.js';
import type { MaskingProfile, MaskResult } from './masking.types.js';
import { compileProfile, type CompiledProfile } from './profile.js';

export function maskText(text: string, profile: MaskingProfile): MaskResult {
  const compiled = compileProfile(profile);
  const findings: Findings = {};
  return { text: applyDetectors(text, compiled, findings), findings };
}

/**
 * Runs every detector over the original text and applies the matches in one
 * pass. Detecting on the original (not on a previous detector's output) keeps
 * results independent of detector order: e.g. an address whose local part is
 * a card number is still seen as an address.
 */
export function applyDetectors(text: string, compiled: CompiledProfile, findings: Findings, context?: DetectionContext): string {
  const { detectors } = compiled;
  const matches: DetectorMatch[] = [];
  for (const detector of detectors) detector.find(text, matches, context);
  if (matches.length === 0) return text;
  if (detectors.length > 1) matches.sort(byStartThenLongest);

  let masked = '';
  let cursor = 0;
  for (const match of matches) {
    // Overlaps lose to the earlier, longer match, which already hides them.
    if (match.start < cursor) continue;
    const detector = detectorFor(match.detector);
    masked += text.slice(cursor, match.start) + compiled.replace.detector(detector, compiled.styleOf(match.detector), text, match.start, match.end);
    cursor = match.end;
    countFinding(findings, match.detector);
  }
  return masked + text.slice(cursor);
}

function byStartThenLongest(a: DetectorMatch, b: DetectorMatch): number {
  return a.start - b.start || b.end - a.end;
}
