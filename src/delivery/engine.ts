import type { Delivery, Endpoint, EventRow } from '../db/schema.ts';

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
  /** The row as written: leased to this engine when `fastPathLease` gave a lease, else unleased and due now. */
  delivery: Delivery;
  endpoint: Endpoint;
  event: EventRow;
}

/** A lease that new deliveries can be written with, so the fast path need not claim them afterwards. */
export interface FastPathLease {
  owner: string;
  /** The lease expiry, written as the delivery's `next_attempt_at`: if the attempt never happens, it falls due then. */
  until: number;
  /**
   * Whether deliveries to this endpoint may be written leased. Not while older due work of its endpoint
   * or tenant waits in the store for room: new deliveries then queue behind it there, in order.
   */
  covers(endpoint: Endpoint): boolean;
}

export interface DeliveryEngine {
  /**
   * Attempts these freshly written deliveries now (the fast path), without waiting for them. Each
   * comes with the endpoint and event rows the publisher just read and wrote, so the attempt need
   * not read them again.
   */
  dispatch(deliveries: readonly FreshDelivery[]): void;
  /**
   * A lease for `count` deliveries about to be written, if the fast path has room for them; null
   * leaves them unleased, for `dispatch` to claim or for the sweeper.
   */
  fastPathLease?(count: number): FastPathLease | null;
  /** Attempts one delivery now and waits for the outcome; null when it is in flight elsewhere. */
  attemptNow(deliveryId: number, trigger: 'manual' | 'test'): Promise<AttemptOutcome | null>;
}
