import { requireToken } from '../api/auth.ts';
import { subscriptionErrors } from '../api/error-formats.ts';
import { plainAnswers } from '../api/shared-answers.ts';
import { requireSubscriber, subscriptionApi } from '../api/subscriptions/index.ts';
import { findEventType } from '../catalogue.ts';
import { newSigningSecret } from '../domain/endpoint-fields.ts';
import type { Surface } from './surface.ts';

/** Page 002: a subscriber's subscriptions, Bearer JWT, camelCase payloads with upper-snake event names. */
export const subscriptions: Surface = {
  name: 'subscription',
  label: 'Subscription (002)',
  mountPath: '/subscription-management',
  // A Bearer JWT whose `sub` is the subscriber inside its `tenant_id`.
  authentication: [requireToken(), requireSubscriber],
  errors: subscriptionErrors,
  envelope: (_endpoint, event, timestamp) => ({ eventId: event.id, eventType: findEventType(event.type)?.subscriptionName ?? event.type, timestamp }),
  signsBody: false,
  newSecret: newSigningSecret,
  partnerBound: false,
  documentation: {
    tag: { name: 'Subscription management', description: 'Page 002: subscriptions with outbound OAuth2, Basic or API-key authentication' },
    sharedAnswers: plainAnswers('SubscriptionError'),
  },
  routes: () => subscriptionApi(subscriptions),
};
