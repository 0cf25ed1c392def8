import { adminApi } from '../api/admin/index.ts';
import { ADMIN_SCOPE, requireToken } from '../api/auth.ts';
import { fastApiErrors } from '../api/error-formats.ts';
import { plainAnswers } from '../api/shared-answers.ts';
import { newSigningSecret } from '../domain/endpoint-fields.ts';
import type { Surface } from './surface.ts';

/** Page 001: webhook administration across tenants, Bearer JWT with `webhooks:admin`, FastAPI 422 errors, `whsec_` secrets. */
export const admin: Surface = {
  name: 'admin',
  label: 'Admin (001)',
  mountPath: '/api/v1/admin/webhooks',
  // A Bearer JWT carrying the `webhooks:admin` scope.
  authentication: [requireToken({ anyScope: [ADMIN_SCOPE] })],
  errors: fastApiErrors,
  envelope: (endpoint, event, timestamp) => ({ event_id: event.id, event_type: event.type, timestamp, tenant_id: endpoint.tenant_id }),
  signsBody: false,
  newSecret: newSigningSecret,
  partnerBound: false,
  documentation: {
    tag: { name: 'Webhooks', description: 'Page 001: webhook administration across tenants, Bearer JWT' },
    sharedAnswers: plainAnswers('ErrorDetail'),
  },
  routes: () => adminApi(admin),
};
