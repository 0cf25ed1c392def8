import type { Context, MiddlewareHandler } from 'hono';
import { findEventType } from '../../catalogue.ts';
import { findAs2Partner } from '../../db/repo/as2-partners.ts';
import { getTenant } from '../../db/repo/tenants.ts';
import { type PublishInput, type PublishResult, publishEvents } from '../../domain/publish.ts';
import { forbidden, invalid, notFound } from '../../errors.ts';
import { surfaceNamed } from '../../surfaces/index.ts';
import { ADMIN_SCOPE, adminReach, requireApiKey, requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { fastApiErrors } from '../error-formats.ts';
import { createSurface } from '../surface.ts';
import { type EventInput, publishBatchRoute, publishRoute } from './routes.ts';

export const PUBLISH_SCOPE = 'events:publish';

const looksLikeJwt = (header: string | undefined) => /^Bearer\s+[\w-]+\.[\w-]+\.[\w-]*\s*$/i.test(header ?? '');

/** Either a Bearer JWT with `events:publish` or `webhooks:admin`, or a tenant API key (for its own tenant). */
const publisherAuth: MiddlewareHandler<AppEnv> = (c, next) =>
  looksLikeJwt(c.req.header('Authorization')) ? requireToken({ anyScope: [PUBLISH_SCOPE, ADMIN_SCOPE] })(c, next) : requireApiKey('any')(c, next);

/** Mounted at /api/v1/events: ingestion. The API only writes the outbox; the engine delivers. */
export function eventsApi() {
  const app = createSurface(fastApiErrors);
  app.use(publisherAuth);

  app.openapi(publishRoute, async (c) => {
    const [input] = await toPublishInputs(c, [c.req.valid('json')], (field) => ['body', field]);
    const [result] = await publishEvents(c.var.services, [input!]);
    if (result!.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(accepted(input!, result!), 202);
  });

  app.openapi(publishBatchRoute, async (c) => {
    const inputs = await toPublishInputs(c, c.req.valid('json').events, (field, index) => ['body', 'events', index, field]);
    const results = await publishEvents(c.var.services, inputs);
    const events = results.map((result, index) => accepted(inputs[index]!, result));
    return c.json({ events, deliveries: events.reduce((sum, event) => sum + event.deliveries, 0) }, 202);
  });

  return app;
}

/** An AS2 event reaches AS2 (partner-bound) webhooks only for the partner it names. */
const NO_PARTNER = 'No endpoint takes this event: AS2 webhooks receive an AS2 event only for the partner_id it gives, and it gives none';

/** The 202 answer for one event; an event that reaches nobody for a reason the caller can fix says so in `warning`. */
function accepted(input: PublishInput, result: PublishResult) {
  const unreachedAs2 = result.deliveries === 0 && input.as2PartnerId === null && findEventType(input.type)?.surfaces.some((name) => surfaceNamed(name).partnerBound);
  return { event_id: result.event_id, deliveries: result.deliveries, ...(unreachedAs2 ? { warning: NO_PARTNER } : {}) };
}

type Loc = (field: string, index: number) => (string | number)[];

/** Resolves each event's tenant within the caller's reach, and checks its type and AS2 partner. */
async function toPublishInputs(c: Context<AppEnv>, events: EventInput[], loc: Loc): Promise<PublishInput[]> {
  const keyTenant = c.get('tenant');
  const reach = keyTenant ? [keyTenant.id] : await adminReach(c);
  // An API key's tenant was read together with the key: it exists, and is the only one in reach.
  const known = new Set<string>(keyTenant ? [keyTenant.id] : []);
  const inputs: PublishInput[] = [];
  for (const [index, event] of events.entries()) {
    if (!findEventType(event.type)) throw invalid(loc('type', index), `Unknown event type: ${event.type}`, 'enum');
    const tenantId = event.tenant_id ?? keyTenant?.id ?? c.get('claims')?.tenantId;
    if (!tenantId) throw invalid(loc('tenant_id', index), 'Field required', 'missing');
    if (keyTenant && tenantId !== keyTenant.id) throw forbidden('An API key publishes only for its own tenant');
    if (!known.has(tenantId)) {
      if ((reach && !reach.includes(tenantId)) || !(await getTenant(c.var.services.db, tenantId))) throw notFound('Tenant not found');
      known.add(tenantId);
    }
    if (event.partner_id !== undefined && !(await findAs2Partner(c.var.services.db, tenantId, event.partner_id))) {
      throw invalid(loc('partner_id', index), 'Unknown AS2 trading partner', 'value_error');
    }
    inputs.push({
      tenantId,
      type: event.type,
      data: event.data,
      as2PartnerId: event.partner_id ?? null,
      idempotencyKey: event.idempotency_key ?? null,
      occurredAt: event.occurred_at ? Date.parse(event.occurred_at) : null,
    });
  }
  return inputs;
}
