import { as2Api } from '../api/as2/index.ts';
import { requireApiKey } from '../api/auth.ts';
import { as2Errors } from '../api/error-formats.ts';
import { plainAnswers, STORE_UNAVAILABLE } from '../api/shared-answers.ts';
import { findEventType } from '../catalogue.ts';
import { newHexSecret } from '../domain/endpoint-fields.ts';
import type { Surface } from './surface.ts';

/** Page 003: the legacy AS2 partner API, POST only, one webhook per partner, Spanish errors and aliases, hex secrets. */
export const as2: Surface = {
  name: 'as2',
  label: 'AS2 (003)',
  mountPath: '/api/v1/webhooks',
  // The tenant’s API key: `Authorization: Bearer <key>`, raw `Authorization` or `X-API-Key`.
  authentication: [requireApiKey('any')],
  errors: as2Errors,
  // English and Spanish names side by side.
  envelope: (endpoint, event, timestamp) => ({
    event_id: event.id,
    event: event.type,
    event_name: findEventType(event.type)?.spanishName ?? event.type,
    partner_id: endpoint.as2_partner_id,
    timestamp,
  }),
  signsBody: true,
  newSecret: newHexSecret,
  partnerBound: true,
  documentation: {
    tag: { name: 'AS2 partner webhooks', description: 'Page 003: the legacy AS2 partner API, POST only, Spanish aliases' },
    sharedAnswers: plainAnswers('As2Error', {
      tooLarge: '`Cuerpo demasiado grande`: request body over `HOOKGATE_MAX_BODY_BYTES`',
      unsupportedMediaType: '`Content-Type debe ser application/json`',
      rateLimited: '`Demasiadas solicitudes`: rate limit exceeded',
      unavailable: `\`Servicio no disponible temporalmente, reintente más tarde\`: ${STORE_UNAVAILABLE}`,
    }),
  },
  routes: () => as2Api(as2),
};
