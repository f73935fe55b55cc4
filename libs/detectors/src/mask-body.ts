import { nameForMessage } from './content-type.js';
import type { Findings } from './findings.js';
import { maskFormWith } from './mask-form.js';
import { maskJsonWith, scanJson } from './mask-json.js';
import { maskMarkupWith } from './mask-markup.js';
import { maskJsonSeqWith, maskNdjsonWith } from './mask-ndjson.js';
import { applyDetectors } from './mask-text.js';
import { MaskingError } from './masking-error.js';
import type { MaskingProfile, MaskResult } from './masking.types.js';
import { compileProfile, type CompiledProfile } from './profile.js';

// type "/" subtype, each an RFC 9110 token; parameters are stripped beforehand.
const MEDIA_TYPE = /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/;

type Format = 'json' | 'ndjson' | 'json-seq' | 'html' | 'xml' | 'form' | 'text';

const FORMATS: ReadonlyMap<string, Format> = new Map<string, Format>([
  ['application/json', 'json'],
  ['text/json', 'json'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  ['application/x-jsonlines', 'ndjson'],
  ['application/jsonlines', 'ndjson'],
  ['application/json-seq', 'json-seq'],
  ['text/html', 'html'],
  ['application/xhtml+xml', 'xml'],
  ['application/xml', 'xml'],
  ['text/xml', 'xml'],
  ['application/x-www-form-urlencoded', 'form'],
  ['application/javascript', 'text'],
  ['application/x-javascript', 'text'],
  ['application/ecmascript', 'text'],
  ['application/yaml', 'text'],
  ['application/x-yaml', 'text'],
  ['application/toml', 'text'],
  ['application/sql', 'text'],
  ['application/graphql', 'text'],
  ['application/csv', 'text'],
]);

/**
 * Streams of events, masked event by event by the bytes layer (each event's data through
 * maskJsonOrTextWith), never as one document: a whole-stream pass would apply no field rule to
 * the JSON in the events.
 */
const STREAMED = new Set(['text/event-stream']);

/**
 * Masks a response body according to its Content-Type. Anything not known to
 * be a text format throws: the gateway must never forward a body it could not
 * inspect, so there is deliberately no pass-through branch.
 */
export function maskBody(body: string, contentType: string | undefined, profile: MaskingProfile): MaskResult {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === undefined) throw unsupported(contentType);
  const findings: Findings = {};
  return { text: maskDocumentWith(body, mediaType, compileProfile(profile), findings), findings };
}

/**
 * One decoded document of `mediaType` (lower-case essence, no parameters): JSON, NDJSON and JSON
 * text sequences, HTML and XML (entities decoded, text split by tags seen), form-urlencoded, and
 * every other text type (text/*, JavaScript, CSV, YAML...) as text through its inspection view.
 * Field rules apply where the format has names (JSON keys, form fields); detectors everywhere.
 * The same string when nothing was masked. Throws MaskingError UNSUPPORTED_CONTENT_TYPE for any
 * other type (binary, multipart, text/event-stream) and INVALID_JSON for a JSON type that is not.
 */
/**
 * A text type is masked as JSON when it is JSON (many APIs send JSON as text/plain, and clients
 * parse it whatever the type says): field rules then apply. Anything else is text.
 */
function maskPlainText(text: string, compiled: CompiledProfile, findings: Findings): string {
  if (compiled.fields.size > 0 && MAY_BE_JSON.test(text)) {
    const scan = scanJson(text, compiled, findings);
    if (scan.ok) return scan.text;
  }
  return applyDetectors(text, compiled, findings);
}

const MAY_BE_JSON = /^[\t\n\r ]*[{[]/;

export function maskDocumentWith(text: string, mediaType: string, compiled: CompiledProfile, findings: Findings): string {
  switch (formatOf(mediaType)) {
    case 'json': return maskJsonWith(text, compiled, findings);
    case 'ndjson': return maskNdjsonWith(text, compiled, findings);
    case 'json-seq': return maskJsonSeqWith(text, compiled, findings);
    case 'html': return maskMarkupWith(text, false, compiled, findings);
    case 'xml': return maskMarkupWith(text, true, compiled, findings);
    case 'form': return maskFormWith(text, compiled, findings);
    case 'text': return maskPlainText(text, compiled, findings);
    case undefined: throw unsupported(mediaType);
  }
}

function formatOf(mediaType: string): Format | undefined {
  const known = FORMATS.get(mediaType);
  if (known !== undefined) return known;
  if (!MEDIA_TYPE.test(mediaType) || STREAMED.has(mediaType)) return undefined;
  if (mediaType.endsWith('+json')) return 'json';
  if (mediaType.endsWith('+json-seq')) return 'json-seq';
  if (mediaType.endsWith('+xml')) return 'xml';
  if (mediaType.startsWith('text/')) return 'text';
  return undefined;
}

function unsupported(contentType: string | undefined): MaskingError {
  return new MaskingError('UNSUPPORTED_CONTENT_TYPE', `Cannot mask content type ${contentType === undefined ? '(none)' : nameForMessage(contentType.split(';')[0]!.trim())}`);
}

/** `Application/JSON; charset=utf-8` -> `application/json`; undefined if malformed. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return MEDIA_TYPE.test(essence) ? essence : undefined;
}
