import type { Principal } from '@portcullis/identity-client';
import type { Protocol, Target } from '@portcullis/request-model';

/** Everything a decision is made from, and every event of the request is about. */
export interface RequestContext {
  readonly requestId: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly protocol: Protocol;
  readonly principal: Principal;
  readonly target: Target;
  /** What policy can tell of the target, when narrower than the target itself (see Described.shape); the decision cache's key. */
  readonly shape?: string;
}
