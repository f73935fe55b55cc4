import { maskBytes, type MaskBytesOutcome, type MaskingProfile } from '@portcullis/detectors';
import type { MaskingProfileConfig } from '@portcullis/config';

export type MaskOutcome = MaskBytesOutcome | { readonly ok: false; readonly code: 'UNKNOWN_PROFILE'; readonly message: string };

/** The configured masking profiles and the operations on them. Fails closed on anything odd. */
export class Masker {
  private readonly profiles: ReadonlyMap<string, MaskingProfile>;

  constructor(profiles: readonly MaskingProfileConfig[], tokenKey?: Uint8Array) {
    this.profiles = new Map(
      profiles.map((p) => [p.name, { name: p.name, detectors: p.detectors, fields: p.fields, columns: p.columns, styles: p.styles, fieldStyles: p.fieldStyles, ...(tokenKey ? { tokenKey } : {}) }]),
    );
  }

  /** The profiles as configured, for the gateway's in-process masking (the handler leaves the token key out). */
  list(): readonly MaskingProfile[] {
    return [...this.profiles.values()];
  }

  mask(profileName: string, contentType: string, body: Uint8Array): MaskOutcome {
    const profile = this.profiles.get(profileName);
    if (!profile) return { ok: false, code: 'UNKNOWN_PROFILE', message: `no masking profile named "${profileName}"` };
    return maskBytes(body, contentType, profile);
  }
}
