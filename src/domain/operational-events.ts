import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { getEndpoint, insertEndpoint, updateEndpoint } from '../db/repo/endpoints.ts';
import { ensureTenant } from '../db/repo/tenants.ts';
import type { Database } from '../db/schema.ts';
import type { OperationalEvent } from '../delivery/attempt.ts';
import { type SecretCipher, signingSecretOf } from '../lib/cipher.ts';
import type { Logger } from '../lib/logger.ts';
import { newSigningSecret } from './endpoint-fields.ts';
import { type PublishServices, publishEvents } from './publish.ts';

/**
 * hookgate's own events (`delivery.failed`, `endpoint.disabled`, `endpoint.circuit_opened`) go
 * through the same outbox and engine as any event: to the affected tenant (its admin webhooks that
 * subscribe to them), and to the operator's webhook when HOOKGATE_OPERATOR_WEBHOOK_URL is set.
 * The operator's webhook is an admin endpoint of a reserved tenant, so it can also be managed, and
 * more operator endpoints added, through the admin API (tenant `ten_hookgate_operator`).
 */
export const OPERATOR_TENANT_ID = 'ten_hookgate_operator';
export const OPERATOR_ENDPOINT_ID = 'wh_hookgate_operator';
const OPERATIONAL_TYPES = ['delivery.failed', 'endpoint.disabled', 'endpoint.circuit_opened'];

async function ensureOperatorEndpoint(db: Kysely<Database>, cipher: SecretCipher, webhook: NonNullable<Config['operatorWebhook']>, now: number) {
  await ensureTenant(db, { id: OPERATOR_TENANT_ID, name: 'hookgate operator', partner_org_id: null, created_at: now });
  const existing = await getEndpoint(db, OPERATOR_ENDPOINT_ID);
  const fromEnv = webhook.secret ? await cipher.encrypt(webhook.secret, signingSecretOf(OPERATOR_ENDPOINT_ID)) : null;
  if (existing) {
    await updateEndpoint(db, OPERATOR_ENDPOINT_ID, { url: webhook.url, ...(fromEnv ? { secret_enc: fromEnv } : {}) });
    return;
  }
  await insertEndpoint(db, {
    id: OPERATOR_ENDPOINT_ID,
    tenant_id: OPERATOR_TENANT_ID,
    surface: 'admin',
    url: webhook.url,
    description: 'HOOKGATE_OPERATOR_WEBHOOK_URL',
    event_types: JSON.stringify(OPERATIONAL_TYPES),
    secret_enc: fromEnv ?? (await cipher.encrypt(newSigningSecret(), signingSecretOf(OPERATOR_ENDPOINT_ID))),
    created_at: now,
    updated_at: now,
  });
}

export function createOperationalEmitter(services: PublishServices & { cipher: SecretCipher; log: Logger }): (event: OperationalEvent) => void {
  let ready: Promise<void> | null = null;
  return (event) => {
    const webhook = services.config.operatorWebhook;
    ready ??= webhook ? ensureOperatorEndpoint(services.db, services.cipher, webhook, services.clock.now()) : Promise.resolve();
    const inputs = [{ tenantId: event.tenantId, type: event.type, data: event.data }];
    if (webhook) inputs.push({ tenantId: OPERATOR_TENANT_ID, type: event.type, data: event.data });
    ready
      .then(() => publishEvents(services, inputs))
      .catch((error: unknown) => services.log({ level: 'error', msg: 'operational event not published', type: event.type, error: (error as Error).message }));
  };
}
