import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { attemptWrites, failWithoutAttempt, postponeDelivery } from '../db/repo/deliveries.ts';
import { disableEndpointQuery, endpointOutcomeQuery, healthChange, outcomeChangesNothing } from '../db/repo/endpoint-health.ts';
import { getEndpoint } from '../db/repo/endpoints.ts';
import { getEvent } from '../db/repo/events.ts';
import type { Database, Delivery, DeliveryStatus, Endpoint, EventRow } from '../db/schema.ts';
import { outboundAuthOf, type SecretCipher, signingSecretOf } from '../lib/cipher.ts';
import type { Logger } from '../lib/logger.ts';
import { Lru } from '../lib/lru.ts';
import type { Mac } from '../lib/mac.ts';
import type { Services } from '../services.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import { checkTargetUrl } from './address-policy.ts';
import { passGates } from './endpoint-gates.ts';
import type { AttemptOutcome } from './engine.ts';
import type { DeliveryMetrics } from './metrics.ts';
import { authSecrets, type OutboundAuth, type OutboundAuthenticator } from './outbound-auth.ts';
import { buildPayload } from './payload.ts';
import { credentialOf, redactSecrets } from './redact.ts';
import { nextRetryDelay, parseRetryAfter } from './schedule.ts';
import { signatureHeaders } from './signer.ts';
import { type OutboundResponse, type Transport, TransportError } from './transport.ts';

export type AttemptTrigger = 'fast_path' | 'sweep' | 'manual' | 'test';

export interface AttemptDeps {
  db: Kysely<Database>;
  atomic: Services['atomic'];
  now: () => number;
  config: Config;
  cipher: SecretCipher;
  log: Logger;
  transport: Transport;
  authenticator: OutboundAuthenticator;
  owner: string;
  metrics?: DeliveryMetrics;
  /** Publishes one of hookgate's own operational events (`endpoint.disabled`, …). */
  emit?: (event: OperationalEvent) => void;
  /** The runtime's HMAC-SHA256 (default: @noble/hashes, which runs everywhere). */
  mac?: Mac;
}

export interface OperationalEvent {
  tenantId: string;
  type: 'endpoint.disabled' | 'endpoint.circuit_opened' | 'delivery.failed';
  data: Record<string, unknown>;
}

/**
 * How long an attempt may wait in-process for its rate-limit slot. It fits inside the lease
 * (attempt timeout + 10 s) and is at least the default sweep interval, so a delivery given back
 * until `slot - RATE_SLOT_WAIT_MS` is claimed again before its slot and sent on time.
 */
const RATE_SLOT_WAIT_MS = 5000;

/** The `disabled_reason` of an endpoint whose receiver answered 410 Gone. */
export const GONE = 'gone';

const isOperational = (type: string) => type.startsWith('endpoint.') || type.startsWith('delivery.');

const USER_AGENT = 'hookgate/0.1 (+https://github.com/hookgate/hookgate)';

/**
 * One HTTP attempt of a leased delivery: prepare → send → record. The outcome decides the
 * delivery's next state (succeeded, retry at a time, or failed) and the endpoint's health.
 */
export async function runAttempt(deps: AttemptDeps, delivery: Delivery, trigger: AttemptTrigger, known: Partial<AttemptContext> = {}): Promise<AttemptOutcome> {
  // The fast path knows both rows already, a sweep the event; the rest is read now.
  const { endpoint, event } = await loadContext(deps, delivery, known);
  const automatic = trigger === 'fast_path' || trigger === 'sweep';
  if (!endpoint || !event || (automatic && endpoint.enabled !== 1)) {
    const reason = !endpoint || !event ? 'endpoint deleted' : `endpoint disabled${endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ''}`;
    await failWithoutAttempt(deps.db, delivery.id, deps.owner, deps.now(), reason);
    return outcomeOf(delivery, { succeeded: false, status_code: null, error_class: 'endpoint_disabled', error_message: reason, duration_ms: 0 });
  }

  if (automatic) {
    const gate = await passGates(deps.db, endpoint, delivery, {
      now: deps.now(),
      probeLeaseMs: deps.config.attemptTimeoutMs + 10_000,
      probeWaitMs: Math.min(deps.config.circuitCooldownSeconds * 1000, 5000),
    });
    if (!gate.proceed) {
      const wait = gate.until - deps.now();
      if (gate.rateSlot !== null && wait <= RATE_SLOT_WAIT_MS) {
        // Our slot is near: wait for it here, so sends keep the limit's spacing instead of bunching at a sweep.
        await new Promise((resolve) => setTimeout(resolve, wait));
      } else {
        // Come back shortly before the slot (a sweep interval early at most), then wait for it as above.
        const back = gate.rateSlot === null ? gate.until : Math.max(deps.now(), gate.until - RATE_SLOT_WAIT_MS);
        await postponeDelivery(deps.db, delivery.id, deps.owner, back, gate.rateSlot);
        return outcomeOf(delivery, { succeeded: false, status_code: null, error_class: 'postponed', error_message: gate.reason, duration_ms: 0 });
      }
    }
  }

  const body = buildPayload(endpoint, event);
  const started = deps.now();
  let requestHeaders: Record<string, string> = {};
  let credentialHeaders: string[] = [];
  let response: OutboundResponse | null = null;
  let failure: TransportError | null = null;
  try {
    const auth = await outboundAuth(deps.cipher, endpoint);
    const send = async () => {
      const credentials = auth ? await deps.authenticator.headers(endpoint.id, auth) : {};
      credentialHeaders = Object.keys(credentials);
      requestHeaders = { ...credentials, ...(await signedHeaders(deps, endpoint, delivery, body)) };
      return deps.transport.send({ url: endpoint.url, headers: requestHeaders, body, timeoutMs: deps.config.attemptTimeoutMs });
    };
    const targetProblem = checkedTarget(deps.config, endpoint.url);
    if (targetProblem) throw new TransportError('blocked_address', `target URL ${targetProblem}`);
    // The token request carries the client credentials: its URL meets the same policy, now, not only when it was configured.
    const tokenProblem = auth?.method === 'OAUTH2' ? checkedTarget(deps.config, auth.tokenUrl) : null;
    if (tokenProblem) throw new TransportError('blocked_address', `token URL ${tokenProblem}`);
    response = await send();
    if (response.status === 401 && auth?.method === 'OAUTH2') {
      // The cached token may have been revoked early: fetch a new one, once.
      deps.authenticator.invalidate(endpoint.id);
      response = await send();
    }
  } catch (error) {
    failure = error instanceof TransportError ? error : new TransportError('connection', (error as Error).message);
  }
  const finished = deps.now();
  const succeeded = response !== null && response.status >= 200 && response.status < 300;
  const statusCode = response?.status ?? null;
  const errorClass = failure?.errorClass ?? (succeeded ? null : 'http_status');
  const errorMessage = failure?.message ?? (succeeded ? null : `receiver answered HTTP ${statusCode}`);
  const attemptNumber = delivery.attempt_count + 1;

  // 410 Gone: the receiver says the endpoint is no more. The delivery fails and the endpoint is disabled at once.
  const gone = statusCode === 410;
  let status: DeliveryStatus = 'succeeded';
  let nextAttemptAt: number | null = null;
  if (!succeeded) {
    const retryAfter = statusCode === 429 || statusCode === 503 ? parseRetryAfter(response?.headers['retry-after'], finished) : null;
    const delay = trigger === 'test' || gone ? null : nextRetryDelay(deps.config.retryScheduleSeconds, attemptNumber, retryAfter);
    status = delay === null ? 'failed' : 'pending';
    nextAttemptAt = delay === null ? null : finished + delay;
  }

  // The attempt row, the delivery's new state and the endpoint's health commit together.
  const settings = {
    circuitFailureThreshold: deps.config.circuitFailureThreshold,
    circuitCooldownMs: deps.config.circuitCooldownSeconds * 1000,
    disableAfterMs: deps.config.disableAfterSeconds * 1000,
  };
  const healthWrite = outcomeChangesNothing(endpoint, succeeded, finished) ? [] : [endpointOutcomeQuery(deps.db, endpoint.id, succeeded, finished, settings)];
  const goneWrite = gone ? [disableEndpointQuery(deps.db, endpoint.id, GONE, finished)] : [];
  const written = await deps.atomic([
    ...attemptWrites(
      deps.db,
      {
        delivery_id: delivery.id,
        attempt_number: attemptNumber,
        trigger,
        started_at: started,
        duration_ms: finished - started,
        succeeded: succeeded ? 1 : 0,
        status_code: statusCode,
        error_class: errorClass,
        error_message: errorMessage,
        request_url: endpoint.url,
        request_headers: JSON.stringify(maskCredentials(requestHeaders, credentialHeaders)),
        ...(response ? await redactedResponse(deps.cipher, endpoint, response, credentialHeaders.map((name) => requestHeaders[name] ?? '')) : {}),
      },
      { deliveryId: delivery.id, owner: deps.owner, now: finished, status, nextAttemptAt, statusCode, error: errorMessage },
    ),
    ...goneWrite,
    ...healthWrite,
  ]);
  const health = healthChange(healthWrite.length ? (written.at(-1)?.rows ?? []) : [], succeeded, finished);
  // The 410 disabled it (its UPDATE, just before the health one, returned the row), or else the failing streak did.
  const goneDisabled = gone && (written.at(-1 - healthWrite.length)?.rows.length ?? 0) > 0;
  const disabledReason = goneDisabled ? GONE : health.disabled ? 'every delivery attempt failed for too long' : null;
  if (!isOperational(event.type)) {
    const context = { tenant_id: endpoint.tenant_id, endpoint_id: endpoint.id, surface: endpoint.surface, event_type: event.type, event_id: event.id };
    const link = { delivery_id: delivery.id, delivery_url: `/api/v1/admin/webhooks/${endpoint.id}/deliveries/${delivery.id}` };
    if (status === 'failed' && trigger !== 'test') deps.emit?.({ tenantId: endpoint.tenant_id, type: 'delivery.failed', data: { ...context, ...link, attempts: attemptNumber, last_status_code: statusCode, last_error: errorMessage } });
    if (disabledReason) deps.emit?.({ tenantId: endpoint.tenant_id, type: 'endpoint.disabled', data: { ...context, ...link, reason: disabledReason } });
    if (health.circuitOpened) deps.emit?.({ tenantId: endpoint.tenant_id, type: 'endpoint.circuit_opened', data: { ...context, ...link, retry_after_seconds: deps.config.circuitCooldownSeconds } });
  }
  if (disabledReason) deps.log({ level: 'warn', msg: 'endpoint disabled', endpoint_id: endpoint.id, tenant_id: endpoint.tenant_id, reason: disabledReason });
  const outcome = outcomeOf(delivery, { succeeded, status_code: statusCode, error_class: errorClass, error_message: errorMessage, duration_ms: finished - started });
  const outcomeName = succeeded ? 'succeeded' : status === 'pending' ? 'retry_scheduled' : 'failed';
  deps.metrics?.attemptFinished(outcomeName, trigger, outcome.duration_ms);
  deps.log({
    msg: 'delivery attempt',
    delivery_id: delivery.id,
    endpoint_id: endpoint.id,
    tenant_id: endpoint.tenant_id,
    event_type: event.type,
    trigger,
    attempt: attemptNumber,
    status: statusCode,
    error_class: errorClass,
    outcome: outcomeName,
    duration_ms: outcome.duration_ms,
  });
  return outcome;
}

/** Verdicts of `checkTargetUrl` by policy and URL: it is a pure function, so an attempt need not parse its URL again. */
const targetVerdicts = new Lru<string, string | null>(1000);

function checkedTarget(config: Config, url: string): string | null {
  const policy = { allowPrivateTargets: config.allowPrivateTargets, requireHttps: config.env === 'production' };
  const key = `${Number(policy.allowPrivateTargets)}${Number(policy.requireHttps)}${url}`;
  let verdict = targetVerdicts.get(key);
  if (verdict === undefined) {
    verdict = checkTargetUrl(url, policy);
    targetVerdicts.set(key, verdict);
  }
  return verdict;
}

/** The endpoint and event of a delivery, as the attempt reads them. */
export interface AttemptContext {
  endpoint: Endpoint | undefined;
  event: EventRow | undefined;
}

export async function loadContext(deps: AttemptDeps, delivery: Delivery, known: Partial<AttemptContext>): Promise<AttemptContext> {
  // Independent reads: issued together (one round trip's wait instead of two on D1).
  const [endpoint, event] = await Promise.all([known.endpoint ?? getEndpoint(deps.db, delivery.endpoint_id), known.event ?? getEvent(deps.db, delivery.event_id)]);
  return { endpoint, event };
}

function outcomeOf(delivery: Delivery, result: Omit<AttemptOutcome, 'delivery_id' | 'attempt_number'>): AttemptOutcome {
  return { delivery_id: delivery.id, attempt_number: delivery.attempt_count + 1, ...result };
}

async function outboundAuth(cipher: SecretCipher, endpoint: Endpoint): Promise<OutboundAuth | null> {
  return endpoint.auth_enc ? (JSON.parse(await cipher.decrypt(endpoint.auth_enc, outboundAuthOf(endpoint.id))) as OutboundAuth) : null;
}

async function signedHeaders(deps: AttemptDeps, endpoint: Endpoint, delivery: Delivery, body: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  if (!endpoint.secret_enc) return headers;
  const now = deps.now();
  const binding = signingSecretOf(endpoint.id);
  const current = await deps.cipher.decrypt(endpoint.secret_enc, binding);
  const inGrace = endpoint.previous_secret_enc && (endpoint.previous_secret_expires_at ?? 0) > now;
  const previous = inGrace ? await deps.cipher.decrypt(endpoint.previous_secret_enc!, binding) : null;
  const { signsBody } = surfaceNamed(endpoint.surface);
  return { ...headers, ...signatureHeaders({ current, previous }, delivery.message_id, Math.floor(now / 1000), body, signsBody, deps.mac) };
}

/**
 * The response as the attempt log keeps it: the endpoint's own secrets (credentials sent, the
 * subscription's password, API key and client secret, its signing secrets) masked wherever a
 * receiver echoed them, in the body and in every header value.
 */
async function redactedResponse(cipher: SecretCipher, endpoint: Endpoint, response: OutboundResponse, credentialValues: readonly string[]) {
  const auth = await outboundAuth(cipher, endpoint);
  const signing = await Promise.all([endpoint.secret_enc, endpoint.previous_secret_enc].filter((stored) => stored !== null).map((stored) => cipher.decrypt(stored, signingSecretOf(endpoint.id))));
  const secrets = [
    ...credentialValues.map(credentialOf),
    ...(auth ? authSecrets(auth) : []),
    ...signing.flatMap((secret) => (secret.startsWith('whsec_') ? [secret, secret.slice(6)] : [secret])),
  ];
  const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, redactSecrets(value, secrets)]));
  return { response_headers: JSON.stringify(headers), response_body: redactSecrets(response.body, secrets) };
}

/** Credentials never reach the attempt log: `Basic ****`, `Bearer ****`, or `****`. */
function maskCredentials(headers: Record<string, string>, credentialNames: readonly string[]): Record<string, string> {
  const masked = { ...headers };
  for (const name of credentialNames) {
    const scheme = /^(Basic|Bearer) /i.exec(masked[name] ?? '')?.[1];
    masked[name] = scheme ? `${scheme} ****` : '****';
  }
  return masked;
}
