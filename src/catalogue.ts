/**
 * The event-type catalogue: one canonical name per event, with the names each surface uses.
 * Canonical names are lower-case dotted (page 000's style). Page 002 speaks upper snake case,
 * page 003 English and Spanish dotted names. Ingestion accepts any of these names.
 */
/** The value of `endpoints.surface`: which API an endpoint was made through (src/surfaces/ holds each one's rules). */
export type SurfaceName = 'sponsor' | 'admin' | 'subscription' | 'as2';

export interface EventType {
  name: string;
  description: string;
  /** Surfaces whose endpoints may subscribe to it. The admin surface takes every event. */
  surfaces: readonly SurfaceName[];
  /** Page 002's upper-snake name, where that surface carries the event. */
  subscriptionName?: string;
  /** Page 003's Spanish name. */
  spanishName?: string;
  exampleData: Record<string, unknown>;
}

const invoiceSurfaces: readonly SurfaceName[] = ['sponsor', 'admin'];
const invoice = (name: string, description: string, status: string): EventType => ({
  name,
  description,
  surfaces: invoiceSurfaces,
  exampleData: { invoice_id: 'inv_abc123', source_event_id: 'inv_abc123', file_name: 'invoice_2025.xml', status },
});
const as2 = (name: string, spanishName: string, description: string): EventType => ({
  name,
  spanishName,
  description,
  surfaces: ['as2', 'admin'],
  exampleData: { message_id: '<20250101120000.1234@as2.example.com>', partner_id: 123, file_name: 'invoice_2025.xml' },
});

/** hookgate's own events about delivery, for operators: admin webhooks only. */
const operational = (name: string, description: string): EventType => ({
  name,
  description,
  surfaces: ['admin'],
  exampleData: {
    tenant_id: 'ten_0123456789abcdef01234567',
    endpoint_id: 'wh_0123456789abcdef01234567',
    event_type: 'invoice.created',
    delivery_id: 42,
    delivery_url: '/api/v1/admin/webhooks/wh_0123456789abcdef01234567/deliveries/42',
  },
});

/** The French e-invoicing lifecycle (PDP statuses) plus e-reporting, documents and AS2 transport. */
export const EVENT_TYPES: readonly EventType[] = [
  invoice('invoice.created', 'Triggered when a new invoice is created', 'created'),
  invoice('invoice.submitted', 'Triggered when an invoice is submitted to the platform (déposée)', 'submitted'),
  invoice('invoice.issued', 'Triggered when an invoice is issued to the buyer platform (émise)', 'issued'),
  invoice('invoice.received', 'Triggered when an invoice is received from a supplier (reçue)', 'received'),
  invoice('invoice.made_available', 'Triggered when an invoice is made available to the buyer (mise à disposition)', 'made_available'),
  invoice('invoice.in_progress', 'Triggered when the buyer takes charge of an invoice (prise en charge)', 'in_progress'),
  invoice('invoice.approved', 'Triggered when the buyer approves an invoice (approuvée)', 'approved'),
  invoice('invoice.partially_approved', 'Triggered when the buyer approves part of an invoice', 'partially_approved'),
  invoice('invoice.disputed', 'Triggered when the buyer disputes an invoice (en litige)', 'disputed'),
  invoice('invoice.suspended', 'Triggered when an invoice is suspended pending information', 'suspended'),
  invoice('invoice.refused', 'Triggered when the buyer refuses an invoice (refusée)', 'refused'),
  invoice('invoice.rejected', 'Triggered when the platform rejects an invoice on validation (rejetée)', 'rejected'),
  invoice('invoice.payment_sent', 'Triggered when the buyer reports the payment as sent (paiement transmis)', 'payment_sent'),
  invoice('invoice.paid', 'Triggered when the supplier reports the payment as received (encaissée)', 'paid'),
  invoice('invoice.cancelled', 'Triggered when an invoice is cancelled', 'cancelled'),
  {
    ...invoice('invoice.status_changed', 'Triggered on any change of an invoice lifecycle status', 'approved'),
    surfaces: ['sponsor', 'admin', 'subscription'],
    subscriptionName: 'INVOICE_STATUS_CHANGED',
  },
  {
    name: 'document.status_changed',
    description: 'Triggered on any change of a document status (invoice, credit note, e-reporting file)',
    surfaces: ['sponsor', 'admin', 'subscription'],
    subscriptionName: 'DOCUMENT_STATUS_CHANGED',
    exampleData: { document_id: 'doc_abc123', document_type: 'invoice', previous_status: 'submitted', status: 'issued' },
  },
  {
    name: 'ereporting.submitted',
    description: 'Triggered when an e-reporting file is transmitted to the tax administration',
    surfaces: invoiceSurfaces,
    exampleData: { report_id: 'rep_abc123', period: '2025-01', status: 'submitted' },
  },
  {
    name: 'ereporting.rejected',
    description: 'Triggered when the tax administration rejects an e-reporting file',
    surfaces: invoiceSurfaces,
    exampleData: { report_id: 'rep_abc123', period: '2025-01', status: 'rejected', reason: 'invalid SIREN' },
  },
  as2('message.received', 'mensaje.recibido', 'An AS2 message was received from the trading partner'),
  as2('message.sent', 'mensaje.enviado', 'An AS2 message was sent to the trading partner'),
  as2('mdn.received', 'mdn.recibido', 'A message disposition notification (receipt) was received'),
  as2('send.error', 'envio.error', 'Sending an AS2 message to the trading partner failed'),
  operational('delivery.failed', 'hookgate gave up on a delivery: its retry schedule is exhausted'),
  operational('endpoint.disabled', 'hookgate disabled an endpoint whose every attempt failed for too long'),
  operational('endpoint.circuit_opened', 'An endpoint’s circuit opened after a run of failures: deliveries wait for a probe'),
];

const byAnyName = new Map<string, EventType>();
for (const type of EVENT_TYPES) {
  byAnyName.set(type.name, type);
  if (type.subscriptionName) byAnyName.set(type.subscriptionName, type);
  if (type.spanishName) byAnyName.set(type.spanishName, type);
}

/** Resolves any alias (canonical, upper snake, Spanish) to its catalogue entry. */
export const findEventType = (name: string): EventType | undefined => byAnyName.get(name);

export const eventTypesFor = (surface: SurfaceName): EventType[] => EVENT_TYPES.filter((type) => type.surfaces.includes(surface));

/** Resolves a name for a surface, or undefined when that surface cannot subscribe to it. */
export function resolveForSurface(name: string, surface: SurfaceName): EventType | undefined {
  const type = findEventType(name);
  return type?.surfaces.includes(surface) ? type : undefined;
}
