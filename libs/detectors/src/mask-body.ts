import type { Findings } from './findings.js';
import { maskJsonWith } from './mask-json.js';
import { applyDetectors } from './mask-text.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile, MaskResult } from './masking.types.js';
import { compileProfile, type CompiledProfile } from './profile.js';

// type "/" subtype, each an RFC 9110 token; parameters are stripped beforehand.
const MEDIA_TYPE = /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/;

const TEXT_LIKE = new Set([
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/javascript',
]);

/**
 * Masks a response body according to its Content-Type. Anything not known to
 * be JSON or text throws: the gateway must never forward a body it could not
 * inspect, so there is deliberately no pass-through branch.
 */
export function maskBody(body: string, contentType: string | undefined, profile: MaskingProfile): MaskResult {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === undefined) throw unsupported(contentType);
  const findings: Findings = {};
  return { text: maskDocumentWith(body, mediaType, compileProfile(profile), findings), findings };
}

/** One decoded document of `mediaType` (lower-case essence), with a compiled profile. */
export function maskDocumentWith(text: string, mediaType: string, compiled: CompiledProfile, findings: Findings): string {
  if (isJson(mediaType)) return maskJsonWith(text, compiled, findings);
  if (isTextLike(mediaType)) return applyDetectors(text, compiled, findings);
  throw unsupported(mediaType);
}

function unsupported(contentType: string | undefined): MaskingError {
  return new MaskingError('UNSUPPORTED_CONTENT_TYPE', `Cannot mask content type ${JSON.stringify(contentType?.slice(0, 100) ?? null)}`);
}

/** `Application/JSON; charset=utf-8` -> `application/json`; undefined if malformed. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return MEDIA_TYPE.test(essence) ? essence : undefined;
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function isTextLike(mediaType: string): boolean {
  return mediaType.startsWith('text/') || TEXT_LIKE.has(mediaType);
}
