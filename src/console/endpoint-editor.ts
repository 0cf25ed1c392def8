import { html } from 'hono/html';
import { WebhookCreate } from '../api/admin/webhooks.ts';
import { ConfigureRequest } from '../api/as2/routes.ts';
import { WebhookCreateRequest } from '../api/sponsor/routes.ts';
import { WebhookSubscriptionRequest } from '../api/subscriptions/routes.ts';
import { findAs2Endpoint, getEndpoint } from '../db/repo/endpoints.ts';
import type { As2Partner, Endpoint, Tenant } from '../db/schema.ts';
import { canonicalAdminEvents, createAdminWebhook, supportedEvents, updateAdminWebhook } from '../domain/admin-webhooks.ts';
import { allAs2Events, configureAs2Webhook } from '../domain/as2-webhooks.ts';
import { assertTargetUrl, eventTypesOf } from '../domain/endpoint-fields.ts';
import { allSponsorEvents, canonicalSponsorEvents, createSponsorWebhook } from '../domain/sponsor-webhooks.ts';
import { createSubscription, type OutboundAuth, readOutboundAuth, replaceSubscription, SUBSCRIPTION_EVENT_NAMES, toSubscriptionView } from '../domain/subscriptions.ts';
import { conflict } from '../errors.ts';
import type { Services } from '../services.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { checked, csrfField, eventChoices, formError, inputField, type PostedForm, selectField } from './forms.ts';
import { type Html, notice } from './layout.ts';

/**
 * Creating and editing an endpoint of any surface from the console. Each surface's form is checked
 * against that API's own request schema and saved by the same domain function its API calls, so
 * the address policy, the per-tenant quota and uniqueness (one sponsor webhook per tenant, one
 * webhook per AS2 partner) hold alike; a refusal comes back as a message on the form.
 */

export type SurfaceName = Endpoint['surface'];

/** What the form shows back after a refusal: never a secret the person typed. */
export interface EndpointFormValues {
  url: string;
  events: string[];
  description: string;
  subscriber: string;
  eventType: string;
  authMethod: string;
  clientId: string;
  tokenUrl: string;
  username: string;
  headerName: string;
  partnerId: string;
}

export const emptyValues = (): EndpointFormValues => ({
  url: '',
  events: [],
  description: '',
  subscriber: '',
  eventType: '',
  authMethod: 'API_KEY',
  clientId: '',
  tokenUrl: '',
  username: '',
  headerName: '',
  partnerId: '',
});

const FIELDS = ['url', 'description', 'subscriber', 'event_type', 'auth_method', 'client_id', 'token_url', 'username', 'header_name', 'partner_id'] as const;

export function valuesOf(form: PostedForm): EndpointFormValues {
  const [url, description, subscriber, eventType, authMethod, clientId, tokenUrl, username, headerName, partnerId] = FIELDS.map((name) => form.text(name));
  return {
    url: url!,
    description: description!,
    subscriber: subscriber!,
    eventType: eventType!,
    authMethod: authMethod!,
    clientId: clientId!,
    tokenUrl: tokenUrl!,
    username: username!,
    headerName: headerName!,
    partnerId: partnerId!,
    events: form.all('events'),
  };
}

/** The form's values of a stored endpoint (secrets stay blank: left blank on save, they are kept). */
export async function valuesOfEndpoint(services: Services, endpoint: Endpoint): Promise<EndpointFormValues> {
  const values = {
    ...emptyValues(),
    url: endpoint.url,
    events: eventTypesOf(endpoint) ?? [],
    description: endpoint.description ?? '',
    partnerId: String(endpoint.as2_partner_id ?? ''),
  };
  if (endpoint.surface !== 'subscription') return values;
  const view = await toSubscriptionView(services, endpoint);
  const auth = view.authentication;
  return {
    ...values,
    subscriber: endpoint.subscriber ?? '',
    eventType: view.eventType,
    authMethod: auth.method,
    clientId: auth.method === 'OAUTH2' ? auth.clientId : '',
    tokenUrl: auth.method === 'OAUTH2' ? auth.tokenUrl : '',
    username: auth.method === 'BASIC_AUTH' ? auth.username : '',
    headerName: auth.method === 'API_KEY' ? auth.headerName : '',
  };
}

const described = (text: string) => text || null;
const SUBSCRIBER_MAX = 255;

/**
 * The outbound authentication a subscription form asks for; a secret field left blank keeps the
 * stored one (on edit, with the same method), else it is refused by the API's schema as empty.
 */
function outboundAuthOf(form: PostedForm, values: EndpointFormValues, stored: OutboundAuth | null) {
  const keep = (name: string, current: string | undefined) => form.text(name) || current || '';
  switch (values.authMethod) {
    case 'OAUTH2':
      return {
        method: 'OAUTH2',
        clientId: values.clientId,
        clientSecret: keep('client_secret', stored?.method === 'OAUTH2' ? stored.clientSecret : undefined),
        tokenUrl: values.tokenUrl,
      };
    case 'BASIC_AUTH':
      return { method: 'BASIC_AUTH', username: values.username, password: keep('password', stored?.method === 'BASIC_AUTH' ? stored.password : undefined) };
    default:
      return { method: values.authMethod, headerName: values.headerName, key: keep('api_key', stored?.method === 'API_KEY' ? stored.key : undefined) };
  }
}

const subscriptionBody = (form: PostedForm, values: EndpointFormValues, stored: OutboundAuth | null) => ({
  notificationUrl: values.url,
  eventType: values.eventType,
  description: described(values.description),
  authentication: outboundAuthOf(form, values, stored),
});

const partnerIdOf = (values: EndpointFormValues): number => {
  const id = Number(values.partnerId);
  if (!Number.isSafeInteger(id) || id < 1) throw formError('Choose the AS2 partner');
  return id;
};

/** Creates an endpoint of `surface` for `tenant` from the form; the signing secret is returned to be shown once. */
export async function createFromForm(services: Services, tenant: Tenant, surface: SurfaceName, form: PostedForm): Promise<{ endpoint: Endpoint; secret: string }> {
  const values = valuesOf(form);
  const secret = form.text('secret') || surfaceNamed(surface).newSecret();
  switch (surface) {
    case 'sponsor': {
      const body = checked(WebhookCreateRequest, { url: values.url, events: values.events.length ? values.events : null });
      return createSponsorWebhook(services, tenant, { url: body.url, events: body.events ?? null }, secret);
    }
    case 'admin': {
      const body = checked(WebhookCreate, { tenant_id: tenant.id, url: values.url, events: values.events, description: described(values.description), secret });
      assertTargetUrl(services, body.url, ['body', 'url']);
      return createAdminWebhook(services, { tenant, url: body.url, events: canonicalAdminEvents(body.events), description: body.description ?? null, isActive: true, secret });
    }
    case 'subscription': {
      if (!values.subscriber) throw formError('subscriber: the owner (a token’s sub) is required');
      if (values.subscriber.length > SUBSCRIBER_MAX) throw formError(`subscriber: at most ${SUBSCRIBER_MAX} characters`);
      const body = checked(WebhookSubscriptionRequest, subscriptionBody(form, values, null));
      const view = await createSubscription(services, { tenantId: tenant.id, subscriber: values.subscriber }, body, secret);
      return { endpoint: await endpointOf(services, view.id), secret };
    }
    case 'as2': {
      const partnerId = partnerIdOf(values);
      const body = checked(ConfigureRequest, {
        partner_id: partnerId,
        webhook_url: values.url,
        webhook_secret: secret,
        webhook_events: values.events.length ? values.events : null,
      });
      // configure would update the partner's webhook: creating a second one is refused instead.
      if (await findAs2Endpoint(services.db, partnerId)) throw conflict('This AS2 partner already has a webhook: edit it instead');
      return { endpoint: await configureAs2Webhook(services, tenant.id, { ...body, webhook_enabled: true }), secret };
    }
  }
}

const endpointOf = async (services: Services, id: string): Promise<Endpoint> => {
  const endpoint = await getEndpoint(services.db, id);
  if (!endpoint) throw new Error(`endpoint ${id} vanished right after it was saved`);
  return endpoint;
};

/** Saves the form over an existing endpoint; its secret is kept (except AS2, where a new one may be typed in). */
export async function updateFromForm(services: Services, endpoint: Endpoint, form: PostedForm): Promise<Endpoint> {
  const values = valuesOf(form);
  switch (endpoint.surface) {
    case 'sponsor': {
      const body = checked(WebhookCreateRequest, { url: values.url, events: values.events.length ? values.events : null });
      assertTargetUrl(services, body.url, ['body', 'url']);
      return updateAdminWebhook(services, endpoint, { url: body.url, events: body.events ? canonicalSponsorEvents(body.events) : null });
    }
    case 'admin': {
      const body = checked(WebhookCreate.omit({ secret: true }), {
        tenant_id: endpoint.tenant_id,
        url: values.url,
        events: values.events,
        description: described(values.description),
      });
      assertTargetUrl(services, body.url, ['body', 'url']);
      return updateAdminWebhook(services, endpoint, { url: body.url, events: canonicalAdminEvents(body.events), description: body.description ?? null });
    }
    case 'subscription': {
      const body = checked(WebhookSubscriptionRequest, subscriptionBody(form, values, await readOutboundAuth(services, endpoint)));
      await replaceSubscription(services, endpoint, body);
      return endpointOf(services, endpoint.id);
    }
    case 'as2': {
      const secret = form.text('secret');
      const body = checked(ConfigureRequest, {
        partner_id: endpoint.as2_partner_id,
        webhook_url: values.url,
        webhook_events: values.events.length ? values.events : null,
        ...(secret ? { webhook_secret: secret } : {}),
      });
      return configureAs2Webhook(services, endpoint.tenant_id, body);
    }
  }
}

/** The event names a surface's form offers. */
function eventNamesOf(surface: SurfaceName): string[] {
  switch (surface) {
    case 'sponsor':
      return allSponsorEvents();
    case 'admin':
      return supportedEvents().map((event) => event.event_type);
    case 'subscription':
      return [...SUBSCRIPTION_EVENT_NAMES];
    case 'as2':
      return allAs2Events();
  }
}

export interface EndpointFormData {
  tenant: Tenant;
  surface: SurfaceName;
  /** Absent for a new endpoint. */
  endpoint?: Endpoint;
  values: EndpointFormValues;
  partners: readonly As2Partner[];
  csrf: string;
  error?: string;
}

const AUTH_METHODS = [
  ['API_KEY', 'API key in a header'],
  ['BASIC_AUTH', 'HTTP Basic'],
  ['OAUTH2', 'OAuth2 client credentials'],
] as const;

function surfaceFields(data: EndpointFormData): Html {
  const { values, surface, endpoint } = data;
  const editing = endpoint !== undefined;
  const events = eventNamesOf(surface);
  const secretHint = editing ? 'Leave blank to keep the current one.' : 'Leave blank to generate one (shown once, on the next page).';
  switch (surface) {
    case 'sponsor':
      return eventChoices('Events', events, values.events, 'None checked: every sponsor event.');
    case 'admin':
      return html`${eventChoices('Events', events, values.events, 'At least one.')}
${inputField('Description (optional)', 'description', values.description)}
${editing ? '' : inputField('Signing secret (optional, 16 to 256 characters)', 'secret', '', { type: 'password', hint: secretHint, autocomplete: 'new-password' })}`;
    case 'subscription':
      return html`${editing ? html`<p class="muted">Subscriber <code>${values.subscriber}</code></p>` : inputField('Subscriber (the owner’s token sub)', 'subscriber', values.subscriber, { required: true })}
${selectField(
  'Event type',
  'event_type',
  values.eventType,
  events.map((name) => [name, name] as const),
)}
${inputField('Description (optional)', 'description', values.description)}
<fieldset><legend>Outbound authentication</legend>
${selectField('Method', 'auth_method', values.authMethod, AUTH_METHODS)}
<p class="muted">Fill in the fields of the chosen method only. ${editing ? 'A secret left blank keeps the current one.' : ''}</p>
${inputField('API key header name', 'header_name', values.headerName, { placeholder: 'X-API-Key' })}
${inputField('API key', 'api_key', '', { type: 'password', autocomplete: 'new-password' })}
${inputField('Basic username', 'username', values.username)}
${inputField('Basic password', 'password', '', { type: 'password', autocomplete: 'new-password' })}
${inputField('OAuth2 client id', 'client_id', values.clientId)}
${inputField('OAuth2 client secret', 'client_secret', '', { type: 'password', autocomplete: 'new-password' })}
${inputField('OAuth2 token URL', 'token_url', values.tokenUrl, { type: 'url', placeholder: 'https://auth.example.com/oauth/token' })}
</fieldset>`;
    case 'as2':
      return html`${
        editing
          ? html`<p class="muted">AS2 partner ${values.partnerId}</p>`
          : selectField('AS2 partner', 'partner_id', values.partnerId, [
              ['', 'choose…'] as const,
              ...data.partners.map((partner) => [String(partner.id), `${partner.id} · ${partner.name}`] as const),
            ])
      }
${eventChoices('Events', events, values.events, 'None checked: every AS2 event.')}
${inputField('Shared secret (optional)', 'secret', '', { type: 'password', hint: secretHint, autocomplete: 'new-password' })}`;
  }
}

export function endpointFormView(data: EndpointFormData): Html {
  const { tenant, endpoint, surface } = data;
  const label = surfaceNamed(surface).label;
  const action = endpoint ? `/console/endpoints/${endpoint.id}/edit` : `/console/tenants/${tenant.id}/endpoints`;
  return html`<p><a href="/console">Tenants</a> › <a href="/console/tenants/${tenant.id}">${tenant.name}</a> ›${endpoint ? html` <a href="/console/endpoints/${endpoint.id}"><code>${endpoint.id}</code></a> ›` : ''}</p>
<h1>${endpoint ? html`Edit <code>${endpoint.id}</code>` : `New ${label} endpoint`}</h1>
${notice(data.error, 'error')}
<form method="post" action="${action}" class="card form" id="endpoint-form">${csrfField(data.csrf)}
  <input type="hidden" name="surface" value="${surface}">
  ${inputField('URL', 'url', data.values.url, { type: 'url', required: true, placeholder: 'https://receiver.example.com/webhooks' })}
  ${surfaceFields(data)}
  <p><button type="submit" class="primary" data-busy="Saving…">${endpoint ? 'Save endpoint' : 'Create endpoint'}</button> <a class="button" href="${endpoint ? `/console/endpoints/${endpoint.id}` : `/console/tenants/${tenant.id}`}">Cancel</a></p>
</form>`;
}

/** The signing secret of a new endpoint, shown this once. */
export function createdView(endpoint: Endpoint, secret: string): Html {
  return html`<p><a href="/console/endpoints/${endpoint.id}">→ go to <code>${endpoint.id}</code></a></p>
<h1>Endpoint created</h1>
<p>${surfaceNamed(endpoint.surface).label} endpoint <code>${endpoint.id}</code> delivers to <code>${endpoint.url}</code>.</p>
<p>This is the only time its signing secret is shown. Copy it to the receiver now.</p>
<p class="secret"><code id="new-secret">${secret}</code></p>`;
}
