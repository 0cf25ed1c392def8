import type { SurfaceRouting } from '../../surfaces/surface.ts';
import { createSurface } from '../surface.ts';
import { registerDeliveries } from './deliveries.ts';
import { registerRecovery } from './recovery.ts';
import { registerSecretRotation } from './secret.ts';
import { registerStats } from './stats.ts';
import { registerTestEvent } from './test-event.ts';
import { registerWebhooks } from './webhooks.ts';

/**
 * Page 001, mounted at /api/v1/admin/webhooks: platform administration of webhook endpoints
 * (surface 'admin') across tenants, with a Bearer JWT carrying `webhooks:admin`. A tenant- or
 * partner-bound token reaches only its tenants; anything else answers exactly like an unknown id.
 * One file per resource; registered in this order, which is also the order of the OpenAPI document.
 */
export function adminApi(surface: SurfaceRouting) {
  const app = createSurface(surface.errors);
  app.use(...surface.authentication);
  registerWebhooks(app, surface);
  registerDeliveries(app);
  registerSecretRotation(app, surface);
  registerStats(app);
  registerRecovery(app);
  registerTestEvent(app);
  return app;
}
