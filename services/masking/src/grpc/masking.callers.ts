import type { maskingV1 } from '@portcullis/proto-gen';
import type { CallerTable } from '@portcullis/service-kit';

/** Who may call each masking method, by client certificate: the gateway, which masks responses. */
export const MASKING_CALLERS: CallerTable<maskingV1.MaskingServiceServer> = {
  mask: ['ingress'],
  getProfiles: ['ingress'],
};
