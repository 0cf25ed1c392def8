import type { TokenClaims } from '../auth/jwt.ts';
import type { Tenant } from '../db/schema.ts';
import type { AuditActor } from '../domain/audit.ts';
import type { RateLimiter } from '../lib/rate-limiter.ts';
import type { Services } from '../services.ts';

export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    /** The app's per-caller request budget, taken by the authentication middlewares. */
    rateLimiter: RateLimiter;
    /** Set by API-key authentication: the caller's tenant. */
    tenant: Tenant;
    /** Set by Bearer JWT authentication. */
    claims: TokenClaims;
    /** Set by every authentication: who the audit log names for a change made by this request. */
    auditActor: AuditActor;
  };
}
