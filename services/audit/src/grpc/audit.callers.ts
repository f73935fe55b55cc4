import type { auditV1 } from '@portcullis/proto-gen';
import type { CallerTable } from '@portcullis/service-kit';

/** Who may call each audit method, by client certificate: any peer; the reader's bearer token decides. */
export const AUDIT_CALLERS: CallerTable<auditV1.AuditServiceServer> = {
  listEvents: 'any-peer',
  verifyChain: 'any-peer',
};
