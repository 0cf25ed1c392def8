import { type EventType, findEventType } from '../catalogue.ts';
import { ApiError, invalid } from '../errors.ts';
import type { Services } from '../services.ts';

/** What publishing needs: the store, the clock, limits, and the engine to hand new deliveries to. */
export type PublishServices = Pick<Services, 'db' | 'atomic' | 'clock' | 'config' | 'engine'>;

export interface PublishInput {
  tenantId: string;
  /** Any name of a catalogue event: canonical, upper snake (page 002) or Spanish (page 003). */
  type: string;
  data: unknown;
  as2PartnerId?: number | null;
  idempotencyKey?: string | null;
  occurredAt?: number | null;
}

/** An event ready to be stored: its catalogue entry and its data as the JSON text stored and sent. */
export interface ValidEvent {
  input: PublishInput;
  type: EventType;
  data: string;
}

/** Every type must be in the catalogue (422 at the first unknown one), then every event's data within HOOKGATE_MAX_EVENT_BYTES (413). */
export function validateEvents(services: Pick<PublishServices, 'config'>, inputs: readonly PublishInput[]): ValidEvent[] {
  const types = inputs.map((input, index) => {
    const type = findEventType(input.type);
    if (!type) throw invalid(['body', index, 'type'], `Unknown event type: ${input.type}`, 'enum');
    return type;
  });
  return inputs.map((input, index) => ({ input, type: types[index]!, data: serializedData(services, input.data, index) }));
}

/** An event's data as stored and sent; larger than HOOKGATE_MAX_EVENT_BYTES is a 413. */
function serializedData(services: Pick<PublishServices, 'config'>, data: unknown, index: number): string {
  const json = JSON.stringify(data ?? {});
  const max = services.config.maxEventBytes;
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most events need no encoding to be measured.
  const bytes = json.length * 3 <= max ? json.length : new TextEncoder().encode(json).length;
  if (bytes > max) throw new ApiError('payload_too_large', `Event ${index} data is ${bytes} bytes as JSON; the limit is ${max}`);
  return json;
}
