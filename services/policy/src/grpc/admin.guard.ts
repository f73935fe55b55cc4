import { bearerGuard, type Authenticate, type BearerGuard } from '@portcullis/identity-client';
import type { Logger } from '@portcullis/service-kit';
import { isPolicyAdmin } from '../domain/index.js';

/**
 * Every call but Decide needs a bearer token of a principal in a policy admin group:
 * UNAUTHENTICATED (UNAVAILABLE if identity cannot be asked) without one, PERMISSION_DENIED
 * (NOT_POLICY_ADMIN) for anyone else. Explain too: it shows every rule, which is the policy.
 */
export function adminGuard(authenticate: Authenticate, adminGroups: readonly string[], logger: Logger): BearerGuard {
  return bearerGuard(authenticate, {
    allows: (principal) => isPolicyAdmin(principal.groups, adminGroups),
    deniedCode: 'NOT_POLICY_ADMIN',
    deniedMessage: (principal) => `${principal.subject} is not in a policy admin group (policy.adminGroups)`,
    refusedLog: 'policy call refused',
    logger,
  });
}
