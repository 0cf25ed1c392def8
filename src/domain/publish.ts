import { listEnabledEndpoints } from '../db/repo/endpoints.ts';
import { type PublishInput, type PublishServices, validateEvents } from './event-input.ts';
import { fanOutTo } from './fan-out.ts';
import { type PublishResult, replayingRaces } from './idempotency.ts';
import { writeEvents } from './outbox.ts';

export type { PublishInput, PublishServices } from './event-input.ts';
export type { PublishResult } from './idempotency.ts';

/**
 * Publishes events: each is validated (src/domain/event-input.ts), fanned out to the enabled
 * endpoints of its tenant that take it (fan-out.ts), and written with its deliveries in one atomic
 * unit (outbox.ts); an idempotency key seen within the window answers the earlier event instead
 * (idempotency.ts).
 */
export async function publishEvents(services: PublishServices, inputs: readonly PublishInput[], options: { dispatch?: boolean } = {}): Promise<PublishResult[]> {
  return replayingRaces(inputs, async () => {
    const events = validateEvents(services, inputs);
    const endpoints = await listEnabledEndpoints(services.db, [...new Set(inputs.map((input) => input.tenantId))]);
    return writeEvents(services, events, fanOutTo(endpoints), options);
  });
}
