import type { TenantWorld } from './world.ts';

/** How a route authenticates its caller. */
export type Caller =
  | 'sponsor-key' // page 000: raw API key in Authorization
  | 'as2-key' // page 003: API key as Bearer or X-API-Key
  | 'admin' // page 001: Bearer JWT with webhooks:admin
  | 'operator' // /api/v1/tenants: Bearer JWT with webhooks:admin
  | 'subscriber' // page 002: Bearer JWT with sub and tenant_id
  | 'publisher'; // ingestion: API key, or Bearer JWT with events:publish

export interface Route {
  method: string;
  template: string;
  caller: Caller;
  path(t: TenantWorld): string;
  /** A body the route accepts from its rightful caller (absent for routes without one). */
  body?(t: TenantWorld, receiverUrl: string): unknown;
}

const since = () => new Date(Date.now() - 3600_000).toISOString();
const subscription = (url: string) => ({
  notificationUrl: `${url}/subscription`,
  eventType: 'INVOICE_STATUS_CHANGED',
  authentication: { method: 'API_KEY', headerName: 'X-Receiver-Key', key: 'catalogue key' },
});

const W = '/api/v1/admin/webhooks';
const S = '/subscription-management';
const A = '/api/v1/webhooks';
const T = '/api/v1/tenants';

/** Every endpoint of every surface (the same list as /openapi.json, less /health, /ready and /metrics). */
export const ROUTES: Route[] = [
  { method: 'GET', template: '/api/webhooks/event-types', caller: 'sponsor-key', path: () => '/api/webhooks/event-types' },
  { method: 'GET', template: '/api/webhooks', caller: 'sponsor-key', path: () => '/api/webhooks' },
  { method: 'POST', template: '/api/webhooks', caller: 'sponsor-key', path: () => '/api/webhooks', body: (_t, url) => ({ url: `${url}/sponsor` }) },
  { method: 'DELETE', template: '/api/webhooks', caller: 'sponsor-key', path: () => '/api/webhooks' },

  { method: 'GET', template: W, caller: 'admin', path: () => W },
  { method: 'POST', template: W, caller: 'admin', path: () => W, body: (t, url) => ({ tenant_id: t.id, url: `${url}/admin`, events: ['invoice.created'] }) },
  { method: 'GET', template: `${W}/events`, caller: 'admin', path: () => `${W}/events` },
  { method: 'GET', template: `${W}/{webhook_id}`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}` },
  { method: 'PATCH', template: `${W}/{webhook_id}`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}`, body: () => ({ description: 'changed' }) },
  { method: 'DELETE', template: `${W}/{webhook_id}`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}` },
  { method: 'GET', template: `${W}/{webhook_id}/deliveries`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/deliveries` },
  { method: 'GET', template: `${W}/{webhook_id}/deliveries/{delivery_id}`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/deliveries/${t.deliveryId}` },
  { method: 'POST', template: `${W}/{webhook_id}/deliveries/{delivery_id}/retry`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/deliveries/${t.deliveryId}/retry` },
  { method: 'POST', template: `${W}/{webhook_id}/rotate-secret`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/rotate-secret` },
  { method: 'GET', template: `${W}/{webhook_id}/stats`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/stats` },
  { method: 'POST', template: `${W}/{webhook_id}/recover`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/recover`, body: () => ({ since: since(), dry_run: true }) },
  { method: 'GET', template: `${W}/{webhook_id}/recoveries/{job_id}`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/recoveries/${t.jobId}` },
  { method: 'POST', template: `${W}/{webhook_id}/test`, caller: 'admin', path: (t) => `${W}/${t.adminWebhookId}/test` },

  { method: 'GET', template: S, caller: 'subscriber', path: () => S },
  { method: 'POST', template: S, caller: 'subscriber', path: () => S, body: (_t, url) => subscription(url) },
  { method: 'GET', template: `${S}/{id}`, caller: 'subscriber', path: (t) => `${S}/${t.subscriptionId}` },
  { method: 'PUT', template: `${S}/{id}`, caller: 'subscriber', path: (t) => `${S}/${t.subscriptionId}`, body: (_t, url) => subscription(url) },
  { method: 'DELETE', template: `${S}/{id}`, caller: 'subscriber', path: (t) => `${S}/${t.subscriptionId}` },

  { method: 'POST', template: `${A}/configure`, caller: 'as2-key', path: () => `${A}/configure`, body: (t) => ({ partner_id: t.partnerId, webhook_enabled: true }) },
  { method: 'POST', template: `${A}/get`, caller: 'as2-key', path: () => `${A}/get`, body: (t) => ({ partner_id: t.partnerId }) },
  { method: 'POST', template: `${A}/test`, caller: 'as2-key', path: () => `${A}/test`, body: (t) => ({ partner_id: t.partnerId }) },
  { method: 'POST', template: `${A}/logs`, caller: 'as2-key', path: () => `${A}/logs`, body: (t) => ({ partner_id: t.partnerId }) },

  { method: 'POST', template: T, caller: 'operator', path: () => T, body: () => ({ name: 'New tenant' }) },
  { method: 'GET', template: T, caller: 'operator', path: () => T },
  { method: 'POST', template: `${T}/{tenant_id}/api-keys`, caller: 'operator', path: (t) => `${T}/${t.id}/api-keys`, body: () => ({ label: 'x' }) },
  { method: 'GET', template: `${T}/{tenant_id}/api-keys`, caller: 'operator', path: (t) => `${T}/${t.id}/api-keys` },
  { method: 'DELETE', template: `${T}/{tenant_id}/api-keys/{key_id}`, caller: 'operator', path: (t) => `${T}/${t.id}/api-keys/${t.keyId}` },
  { method: 'POST', template: `${T}/{tenant_id}/as2-partners`, caller: 'operator', path: (t) => `${T}/${t.id}/as2-partners`, body: () => ({ name: 'P' }) },
  { method: 'GET', template: `${T}/{tenant_id}/as2-partners`, caller: 'operator', path: (t) => `${T}/${t.id}/as2-partners` },

  { method: 'POST', template: '/api/v1/events', caller: 'publisher', path: () => '/api/v1/events', body: (t) => ({ type: 'invoice.created', data: {}, tenant_id: t.id }) },
  {
    method: 'POST',
    template: '/api/v1/events/batch',
    caller: 'publisher',
    path: () => '/api/v1/events/batch',
    body: (t) => ({ events: [{ type: 'invoice.created', data: {}, tenant_id: t.id }] }),
  },
];

/** Ids that exist nowhere, in each route's id format. */
export const MISSING: TenantWorld = {
  id: 'ten_000000000000000000000000',
  apiKey: '',
  keyId: '0000000000000000',
  sponsorWebhookId: 'webhook_000000000000000000000000',
  adminWebhookId: 'wh_000000000000000000000000',
  deliveryId: 999_999_999,
  jobId: 'job_000000000000000000000000',
  subscriptionId: '00000000-0000-4000-8000-000000000000',
  partnerId: 999_999,
  subscriber: 'nobody',
};
