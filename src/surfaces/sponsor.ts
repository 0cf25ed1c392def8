import { requireApiKey } from '../api/auth.ts';
import { fastApiErrors } from '../api/error-formats.ts';
import { plainAnswers } from '../api/shared-answers.ts';
import { sponsorApi } from '../api/sponsor/index.ts';
import { newHexSecret } from '../domain/endpoint-fields.ts';
import type { Surface } from './surface.ts';

/** Page 000: one webhook per sponsor (tenant), raw API key, FastAPI errors, hex secrets. */
export const sponsor: Surface = {
  name: 'sponsor',
  label: 'Sponsor (000)',
  mountPath: '/api/webhooks',
  // The raw API key in `Authorization`.
  authentication: [requireApiKey('raw-authorization')],
  errors: fastApiErrors,
  envelope: (endpoint, event, timestamp) => ({ event_id: event.id, event_type: event.type, timestamp, sponsor_id: endpoint.tenant_id }),
  signsBody: true,
  newSecret: newHexSecret,
  partnerBound: false,
  documentation: {
    tag: { name: 'Sponsor webhooks', description: 'Page 000: one webhook per sponsor, raw API key' },
    sharedAnswers: plainAnswers('ErrorDetail'),
  },
  routes: () => sponsorApi(sponsor),
};
