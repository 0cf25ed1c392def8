import type { TokenClaims } from '../auth/jwt.ts';
import type { Tenant } from '../db/schema.ts';
import type { Services } from '../services.ts';

export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    /** Set by API-key authentication: the caller's tenant. */
    tenant: Tenant;
    /** Set by Bearer JWT authentication. */
    claims: TokenClaims;
  };
}
