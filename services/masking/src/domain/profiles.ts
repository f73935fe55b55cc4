import { maskBody, MaskingError, type MaskingProfile, type MaskResult } from '@portcullis/detectors';
import type { MaskingProfileConfig } from '@portcullis/config';

export type MaskOutcome =
  | { readonly ok: true; readonly result: MaskResult }
  | { readonly ok: false; readonly code: 'UNKNOWN_PROFILE' | 'UNSUPPORTED_CONTENT_TYPE' | 'INVALID_JSON' | 'INVALID_ENCODING' | 'MASKING_FAILED'; readonly message: string };

/** The configured masking profiles and the one operation on them. Fails closed on anything odd. */
export class Masker {
  private readonly profiles: ReadonlyMap<string, MaskingProfile>;

  constructor(profiles: readonly MaskingProfileConfig[]) {
    this.profiles = new Map(profiles.map((p) => [p.name, { name: p.name, detectors: p.detectors, fields: p.fields }]));
  }

  mask(profileName: string, contentType: string, body: Uint8Array): MaskOutcome {
    const profile = this.profiles.get(profileName);
    if (!profile) return { ok: false, code: 'UNKNOWN_PROFILE', message: `no masking profile named "${profileName}"` };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return { ok: false, code: 'INVALID_ENCODING', message: 'body is not valid UTF-8 and cannot be masked' };
    }
    try {
      return { ok: true, result: maskBody(text, contentType || undefined, profile) };
    } catch (err) {
      if (err instanceof MaskingError && (err.code === 'UNSUPPORTED_CONTENT_TYPE' || err.code === 'INVALID_JSON')) {
        return { ok: false, code: err.code, message: err.message };
      }
      // e.g. JSON nested too deeply for JSON.stringify: still a refusal, never a pass-through.
      return { ok: false, code: 'MASKING_FAILED', message: 'the body could not be masked' };
    }
  }
}
