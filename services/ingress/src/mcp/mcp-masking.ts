import { REDACTED, type ValueMasker } from '@portcullis/detectors';
import type { JsonObject, JsonRpcMessage } from './jsonrpc.js';

/** Content whose bytes are media, not text: no text detector applies to them. */
const MEDIA_TYPES = new Set(['image', 'audio']);
const MAX_DEPTH = 64;

export class McpMaskingError extends Error {}

/**
 * Masks everything a message carries to the caller: every string (text content, structured
 * content, resource text, prompt messages, progress and log messages, elicitation prompts) through
 * the detectors, every value under a field rule's key, numbers that spell a card. Media data
 * (image, audio) and binary resource blobs pass as they are, unless a field rule names them; a
 * text resource sent as a blob is decoded and masked. Throws McpMaskingError for a message it
 * cannot walk (too deep), so that nothing unmasked leaves: the caller gets an error instead.
 */
export function maskMessage(message: JsonRpcMessage, masker: ValueMasker, findings: Record<string, number>): JsonRpcMessage {
  if ('result' in message) return { ...message, result: maskValue(message.result, masker, findings, 0) as JsonObject };
  if ('error' in message) return { ...message, error: maskValue(message.error, masker, findings, 0) as typeof message.error };
  if ('params' in message && message.params) return { ...message, params: maskValue(message.params, masker, findings, 0) as JsonObject };
  return message;
}

function maskValue(value: unknown, masker: ValueMasker, findings: Record<string, number>, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new McpMaskingError(`a message nested deeper than ${MAX_DEPTH} levels cannot be masked`);
  if (typeof value === 'string') return masker.detects ? masker.maskText(value, findings) : value;
  if (typeof value === 'number') {
    if (!masker.detects || !Number.isInteger(value) || Math.abs(value) < 1e11) return value;
    const text = String(value);
    return masker.maskText(text, findings) === text ? value : REDACTED;
  }
  if (Array.isArray(value)) return value.map((item) => maskValue(item, masker, findings, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as JsonObject;
  const media = typeof object.type === 'string' && MEDIA_TYPES.has(object.type) && typeof object.data === 'string';
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(object)) {
    if (masker.hasFields && masker.redactsColumn(key, undefined)) {
      out[key] = REDACTED;
      findings.field = (findings.field ?? 0) + 1;
    } else if (media && key === 'data') {
      out[key] = item;
    } else if (key === 'blob' && typeof item === 'string') {
      out[key] = maskBlob(item, typeof object.mimeType === 'string' ? object.mimeType : '', masker, findings);
    } else {
      out[key] = maskValue(item, masker, findings, depth + 1);
    }
  }
  return out;
}

/** A resource blob: text types are decoded, masked and re-encoded; other media pass. */
function maskBlob(blob: string, mimeType: string, masker: ValueMasker, findings: Record<string, number>): string {
  const type = mimeType.split(';')[0]!.trim().toLowerCase();
  const textual = type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type === 'application/xml' || type.endsWith('+xml') || type === '';
  if (!textual || !masker.detects) return blob;
  const bytes = Buffer.from(blob, 'base64');
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    if (type === '') return blob; // untyped binary: no text to find
    throw new McpMaskingError(`a ${type} resource that is not UTF-8 cannot be masked`);
  }
  const masked = masker.maskText(text, findings);
  return masked === text ? blob : Buffer.from(masked, 'utf8').toString('base64');
}
