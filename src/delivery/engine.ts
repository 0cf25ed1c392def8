import type { Endpoint, EventRow } from '../db/schema.ts';

/** What the API layer may ask of the delivery engine. The API writes deliveries; the engine sends them. */
export interface AttemptOutcome {
  delivery_id: number;
  attempt_number: number;
  succeeded: boolean;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  duration_ms: number;
}

export interface FreshDelivery {
  id: number;
  endpoint: Endpoint;
  event: EventRow;
}

export interface DeliveryEngine {
  /**
   * Attempts these freshly written deliveries now (the fast path), without waiting for them. Each
   * comes with the endpoint and event rows the publisher just read and wrote, so the attempt need
   * not read them again.
   */
  dispatch(deliveries: readonly FreshDelivery[]): void;
  /** Attempts one delivery now and waits for the outcome; null when it is in flight elsewhere. */
  attemptNow(deliveryId: number, trigger: 'manual' | 'test'): Promise<AttemptOutcome | null>;
}
