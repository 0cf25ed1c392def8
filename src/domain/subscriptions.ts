import { eventTypesFor, findEventType } from '../catalogue.ts';
import { deleteEndpoint, findEndpoint, insertEndpoint, listEndpoints, updateEndpoint } from '../db/repo/endpoints.ts';
import type { AuthMethod, Endpoint } from '../db/schema.ts';
import { outboundAuthOf, signingSecretOf } from '../lib/cipher.ts';
import { uuid } from '../lib/random.ts';
import type { Services } from '../services.ts';
import { assertTargetUrl, eventTypesOf, storedEventTypes, toIso } from './endpoint-fields.ts';
import { assertEndpointRoom } from './endpoint-quota.ts';

/**
 * Page 002's webhook subscriptions: endpoints with surface 'subscription', owned by one subscriber
 * (the token's `sub`) inside one tenant (the token's `tenant_id`). The outbound authentication object
 * is stored encrypted as a whole; only its method is kept in plaintext.
 */

export type OutboundAuth =
  | { method: 'OAUTH2'; clientId: string; clientSecret: string; tokenUrl: string }
  | { method: 'BASIC_AUTH'; username: string; password: string }
  | { method: 'API_KEY'; headerName: string; key: string };

/** The non-secret part of an outbound authentication, as responses show it. */
export type PublicAuth = { method: 'OAUTH2'; clientId: string; tokenUrl: string } | { method: 'BASIC_AUTH'; username: string } | { method: 'API_KEY'; headerName: string };

export interface SubscriptionInput {
  notificationUrl: string;
  /** Page 002's upper-snake name, e.g. DOCUMENT_STATUS_CHANGED. */
  eventType: string;
  description?: string | null;
  authentication: OutboundAuth;
}

export interface SubscriptionView {
  id: string;
  notificationUrl: string;
  eventType: string;
  description: string | null;
  authentication: PublicAuth;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Subscriber {
  tenantId: string;
  subscriber: string;
}

/** The upper-snake event names a subscription may take. */
export const SUBSCRIPTION_EVENT_NAMES: readonly string[] = eventTypesFor('subscription').map((type) => type.subscriptionName!);

/** Headers hookgate sets itself (or the transport owns) on a delivery; an API key may not override them. */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'user-agent',
  'webhook-id',
  'webhook-signature',
  'webhook-timestamp',
]);

/** RFC 9110 `token`: the characters a header field name may contain. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `name` cannot carry an API key, or null when it can. */
export function headerNameProblem(name: string): string | null {
  if (!HEADER_TOKEN.test(name)) return 'headerName must be a valid HTTP header name';
  if (RESERVED_HEADER_NAMES.has(name.toLowerCase())) return `headerName ${name} is set by the platform and cannot carry the API key`;
  return null;
}

/** Rejects target URLs the delivery engine would refuse: the notification URL and an OAuth2 token URL. */
export function assertSubscriptionTargets(services: Services, input: SubscriptionInput): void {
  assertTargetUrl(services, input.notificationUrl, ['body', 'notificationUrl']);
  if (input.authentication.method === 'OAUTH2') {
    assertTargetUrl(services, input.authentication.tokenUrl, ['body', 'authentication', 'tokenUrl']);
  }
}

/** Keeps only the fields of the authentication object that the page defines for its method. */
function normaliseAuth(auth: OutboundAuth): OutboundAuth {
  switch (auth.method) {
    case 'OAUTH2':
      return { method: auth.method, clientId: auth.clientId, clientSecret: auth.clientSecret, tokenUrl: auth.tokenUrl };
    case 'BASIC_AUTH':
      return { method: auth.method, username: auth.username, password: auth.password };
    case 'API_KEY':
      return { method: auth.method, headerName: auth.headerName, key: auth.key };
  }
}

function publicAuth(auth: OutboundAuth): PublicAuth {
  switch (auth.method) {
    case 'OAUTH2':
      return { method: auth.method, clientId: auth.clientId, tokenUrl: auth.tokenUrl };
    case 'BASIC_AUTH':
      return { method: auth.method, username: auth.username };
    case 'API_KEY':
      return { method: auth.method, headerName: auth.headerName };
  }
}

/** The columns a subscription's body sets, credentials encrypted for the endpoint `id`. */
async function storedFields(services: Services, id: string, input: SubscriptionInput) {
  const canonical = findEventType(input.eventType);
  if (!canonical) throw new Error(`not a subscription event type: ${input.eventType}`);
  const authentication = normaliseAuth(input.authentication);
  return {
    url: input.notificationUrl,
    event_types: storedEventTypes([canonical.name]),
    description: input.description ?? null,
    auth_method: authentication.method as AuthMethod,
    auth_enc: await services.cipher.encrypt(JSON.stringify(authentication), outboundAuthOf(id)),
  };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Checks a decrypted authentication object against the union; null when it does not match. */
function parseOutboundAuth(value: unknown): OutboundAuth | null {
  if (typeof value !== 'object' || value === null) return null;
  const auth = value as Record<string, unknown>;
  switch (auth.method) {
    case 'OAUTH2':
      return isText(auth.clientId) && isText(auth.clientSecret) && isText(auth.tokenUrl) ? normaliseAuth(auth as OutboundAuth) : null;
    case 'BASIC_AUTH':
      return isText(auth.username) && isText(auth.password) ? normaliseAuth(auth as OutboundAuth) : null;
    case 'API_KEY':
      return isText(auth.headerName) && isText(auth.key) ? normaliseAuth(auth as OutboundAuth) : null;
    default:
      return null;
  }
}

/** The decrypted outbound authentication of an endpoint (for the delivery engine), or null when it has none. */
export async function readOutboundAuth(services: Pick<Services, 'cipher'>, endpoint: Pick<Endpoint, 'id' | 'auth_enc'>): Promise<OutboundAuth | null> {
  if (!endpoint.auth_enc) return null;
  return parseOutboundAuth(JSON.parse(await services.cipher.decrypt(endpoint.auth_enc, outboundAuthOf(endpoint.id))));
}

export async function toSubscriptionView(services: Services, endpoint: Endpoint): Promise<SubscriptionView> {
  const auth = await readOutboundAuth(services, endpoint);
  if (!auth) throw new Error(`subscription ${endpoint.id} has no readable authentication`);
  const [eventName] = eventTypesOf(endpoint) ?? [];
  return {
    id: endpoint.id,
    notificationUrl: endpoint.url,
    eventType: (eventName && findEventType(eventName)?.subscriptionName) ?? eventName ?? '',
    description: endpoint.description,
    authentication: publicAuth(auth),
    enabled: endpoint.enabled === 1,
    disabledReason: endpoint.disabled_reason,
    createdAt: toIso(endpoint.created_at)!,
    updatedAt: toIso(endpoint.updated_at)!,
  };
}

const scopeOf = (owner: Subscriber) => ({ surface: 'subscription' as const, tenantIds: [owner.tenantId], subscriber: owner.subscriber });

/** One of the subscriber's subscriptions; another subscriber's or tenant's reads as undefined. */
export const findSubscription = (services: Services, owner: Subscriber, id: string): Promise<Endpoint | undefined> => findEndpoint(services.db, id, scopeOf(owner));

const PAGE = 500;

/** Every subscription of the subscriber, oldest first. */
export async function listSubscriptions(services: Services, owner: Subscriber): Promise<SubscriptionView[]> {
  const rows: Endpoint[] = [];
  for (;;) {
    const page = await listEndpoints(services.db, { ...scopeOf(owner), limit: PAGE, offset: rows.length });
    rows.push(...page.items);
    if (page.items.length < PAGE || rows.length >= page.total) break;
  }
  return Promise.all(rows.map((row) => toSubscriptionView(services, row)));
}

/** Creates a subscription with its own signing secret (a Standard Webhooks one from its surface, never returned). */
export async function createSubscription(services: Services, owner: Subscriber, input: SubscriptionInput, secret: string): Promise<SubscriptionView> {
  assertSubscriptionTargets(services, input);
  await assertEndpointRoom(services, owner.tenantId);
  const now = services.clock.now();
  const id = uuid();
  const endpoint = await insertEndpoint(services.db, {
    id,
    tenant_id: owner.tenantId,
    surface: 'subscription',
    subscriber: owner.subscriber,
    ...(await storedFields(services, id, input)),
    secret_enc: await services.cipher.encrypt(secret, signingSecretOf(id)),
    created_at: now,
    updated_at: now,
  });
  return toSubscriptionView(services, endpoint);
}

/**
 * Replaces every field the body defines. The signing secret is kept; a subscription the engine had
 * disabled for failing is re-enabled, since its owner has just reconfigured it.
 */
export async function replaceSubscription(services: Services, endpoint: Endpoint, input: SubscriptionInput): Promise<SubscriptionView> {
  assertSubscriptionTargets(services, input);
  const updated = await updateEndpoint(services.db, endpoint.id, {
    ...(await storedFields(services, endpoint.id, input)),
    enabled: 1,
    disabled_reason: null,
    failing_since: null,
    updated_at: services.clock.now(),
  });
  return toSubscriptionView(services, updated);
}

export const removeSubscription = (services: Services, endpoint: Endpoint): Promise<void> => deleteEndpoint(services.db, endpoint.id);
