import type { Findings } from './findings.js';
import { countFinding } from './findings.js';
import { applyDetectors, findMatches, maskRegions, spliceRegions, type ApplyOptions, type SourceMatch } from './mask-text.js';
import type { CompiledProfile } from './profile.js';
import { inspectionView, type View } from './text-view.js';

const SEPARATOR = /[&;]/g;
const LONE_SURROGATE = /\p{Cs}/gu;
const FORM = { plusIsSpace: true } as const;
const FORM_APPLY: ApplyOptions = { plusIsSpace: true, encode: formEncode };

/**
 * application/x-www-form-urlencoded: pairs split on `&` (and `;`), names and values decoded (`+`
 * and %XX, then the rest of the inspection view). A name that is a field rule has its value
 * replaced; detectors run on every name and value (the value with its name as context). Only what
 * is masked is re-encoded: the rest of the body stays as it was written.
 */
export function maskFormWith(body: string, compiled: CompiledProfile, findings: Findings): string {
  let out = '';
  let cursor = 0;
  let start = 0;
  SEPARATOR.lastIndex = 0;
  for (;;) {
    const found = SEPARATOR.exec(body);
    const end = found === null ? body.length : found.index;
    const next = found === null ? -1 : SEPARATOR.lastIndex;
    const masked = maskPair(body.slice(start, end), compiled, findings);
    if (masked !== undefined) {
      out += body.slice(cursor, start) + masked;
      cursor = end;
    }
    if (next === -1) break;
    start = next;
  }
  return cursor === 0 ? body : out + body.slice(cursor);
}

/** The pair re-written, or undefined when nothing in it was masked. */
function maskPair(pair: string, compiled: CompiledProfile, findings: Findings): string | undefined {
  if (pair === '') return undefined;
  const equals = pair.indexOf('=');
  const rawName = equals === -1 ? pair : pair.slice(0, equals);
  const rawValue = equals === -1 ? undefined : pair.slice(equals + 1);
  const nameView = inspectionView(rawName, FORM);
  const name = nameView.text;
  const maskedName = maskViewed(rawName, nameView, compiled, findings);
  let maskedValue = rawValue;
  if (rawValue !== undefined) {
    const field = compiled.fields.size > 0 ? formFieldOf(name, compiled.fields) : undefined;
    if (field !== undefined) {
      const style = compiled.fieldStyleOf(field);
      maskedValue = formEncode(compiled.replace.field(style, style === 'tokenise' ? inspectionView(rawValue, FORM).text : ''));
      countFinding(findings, 'field');
    } else {
      maskedValue = applyDetectors(rawValue, compiled, findings, { key: name }, FORM_APPLY);
    }
  }
  if (maskedName === rawName && maskedValue === rawValue) return undefined;
  return maskedValue === undefined ? maskedName : `${maskedName}=${maskedValue}`;
}

/** applyDetectors with the view already made. */
function maskViewed(raw: string, view: View, compiled: CompiledProfile, findings: Findings): string {
  if (compiled.detectors.length === 0) return raw;
  const matches: SourceMatch[] = [];
  findMatches(view, raw, compiled, matches);
  return matches.length === 0 ? raw : spliceRegions(raw, maskRegions(matches, compiled, findings), formEncode);
}

/** As a form serialiser writes a value: percent-encoded UTF-8, spaces as `+`. */
function formEncode(text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD')).replace(/%20/g, '+');
}

/**
 * The field rule a form name falls under: the name itself, or its last bracketed part as PHP,
 * Rails and qs read nested names (`user[password]`, `users[0][ssn]`, `password[]`).
 */
function formFieldOf(name: string, fields: ReadonlySet<string>): string | undefined {
  const whole = name.toLowerCase();
  if (fields.has(whole)) return whole;
  const parts = whole.match(/[^[\]]+/g);
  if (parts === null) return undefined;
  const last = parts[parts.length - 1]!;
  const first = parts[0]!;
  return fields.has(last) ? last : fields.has(first) ? first : undefined;
}
