import { maskBytes, valueMasker, type MaskBytesOutcome, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import type { MaskingProfileConfig } from '@portcullis/config';

export type MaskOutcome = MaskBytesOutcome | { readonly ok: false; readonly code: 'UNKNOWN_PROFILE'; readonly message: string };

/**
 * The largest body the Mask call accepts decoded: the gRPC server's receive limit (32 MiB, in
 * service-kit's GrpcServer), so that whatever the call can bring in, it can mask and answer.
 */
export const MAX_BODY_BYTES = 32 << 20;

/** The configured masking profiles and the operations on them. Fails closed on anything odd. */
export class Masker {
  private readonly profiles: ReadonlyMap<string, { readonly profile: MaskingProfile; readonly masker: ValueMasker }>;

  /** Throws MaskingError for a profile that cannot be compiled: the service must not start with it. */
  constructor(profiles: readonly MaskingProfileConfig[], tokenKey?: Uint8Array) {
    this.profiles = new Map(
      profiles.map((p) => {
        const profile: MaskingProfile = { name: p.name, detectors: p.detectors, fields: p.fields, columns: p.columns, styles: p.styles, fieldStyles: p.fieldStyles, ...(tokenKey ? { tokenKey } : {}) };
        return [p.name, { profile, masker: valueMasker(profile) }];
      }),
    );
  }

  /** The profiles as configured, for the gateway's in-process masking (the handler leaves the token key out). */
  list(): readonly MaskingProfile[] {
    return [...this.profiles.values()].map((entry) => entry.profile);
  }

  /** The body as the Mask call carries it: no content coding (the caller sends it decoded). */
  mask(profileName: string, contentType: string, body: Uint8Array): MaskOutcome {
    const entry = this.profiles.get(profileName);
    if (!entry) return { ok: false, code: 'UNKNOWN_PROFILE', message: `no masking profile named "${profileName}"` };
    return maskBytes(body, { contentType, contentEncoding: undefined, maxBytes: MAX_BODY_BYTES }, entry.masker);
  }
}
