import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { attemptWrites, failWithoutAttempt, postponeDelivery } from '../db/repo/deliveries.ts';
import { disableEndpointQuery, endpointOutcomeQuery, type HealthChange, healthChange, outcomeChangesNothing } from '../db/repo/endpoint-health.ts';
import { getEndpoint } from '../db/repo/endpoints.ts';
import { getEvent } from '../db/repo/events.ts';
import type { Database, Delivery, DeliveryStatus, Endpoint, EventRow } from '../db/schema.ts';
import { outboundAuthOf, type SecretCipher, signingSecretOf } from '../lib/cipher.ts';
import type { Logger } from '../lib/logger.ts';
import type { Mac } from '../lib/mac.ts';
import type { Services } from '../services.ts';
import { surfaceNamed } from '../surfaces/index.ts';
import type { TargetCheck } from './address-policy.ts';
import { awaitSendTurn, passGates } from './endpoint-gates.ts';
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
  /** The address policy's verdict on a URL under this configuration (`createTargetCheck`). */
  checkTarget: TargetCheck;
  /**
   * The latest `last_triggered_at` this process has committed for each endpoint. The endpoint row an
   * attempt holds may be a second old (read with its batch); without this, every attempt finishing
   * a second after that read would write the row again, and queue on its lock (docs/scaling.md).
   */
  triggeredAt?: Map<string, number>;
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
 * One HTTP attempt of a leased delivery, in steps: load its endpoint and event, gate it (may it
 * go now?), send it signed, schedule the next attempt from the answer, record it all in one atomic
 * unit, and report what changed (operational events, log, metrics).
 */
export async function runAttempt(deps: AttemptDeps, delivery: Delivery, trigger: AttemptTrigger, known: Partial<AttemptContext> = {}): Promise<AttemptOutcome> {
  const { endpoint, event } = await loadContext(deps, delivery, known);
  if (!endpoint || !event) return failUnsent(deps, delivery, 'endpoint deleted');
  const held = await gate(deps, endpoint, delivery, trigger);
  if (held) return held;
  const exchange = await send(deps, endpoint, delivery, buildPayload(endpoint, event));
  const next = scheduleNext(deps.config, trigger, delivery.attempt_count + 1, exchange);
  const attempted = { endpoint, event, delivery, trigger, exchange, verdict: judge(exchange), next };
  const change = await record(deps, attempted);
  return report(deps, attempted, change);
}

/** The endpoint and event of a delivery, as the attempt reads them. */
export interface AttemptContext {
  endpoint: Endpoint | undefined;
  event: EventRow | undefined;
}

/** Load: the rows the caller does not know already (the fast path knows both, a sweep the event). */
export async function loadContext(deps: Pick<AttemptDeps, 'db'>, delivery: Delivery, known: Partial<AttemptContext>): Promise<AttemptContext> {
  // Independent reads: issued together (one round trip's wait instead of two on D1).
  const [endpoint, event] = await Promise.all([known.endpoint ?? getEndpoint(deps.db, delivery.endpoint_id), known.event ?? getEvent(deps.db, delivery.event_id)]);
  return { endpoint, event };
}

/**
 * Gate: null when the attempt may go now. Otherwise the outcome of not sending: a disabled
 * endpoint fails the delivery (automatic attempts only), and an open circuit or a rate-limit slot
 * more than RATE_SLOT_WAIT_MS away postpones it. A nearer slot is waited for here, and then the
 * endpoint's send turn (sends released together still go one interval apart).
 */
export async function gate(deps: AttemptDeps, endpoint: Endpoint, delivery: Delivery, trigger: AttemptTrigger): Promise<AttemptOutcome | null> {
  if (trigger !== 'fast_path' && trigger !== 'sweep') return null;
  if (endpoint.enabled !== 1) return failUnsent(deps, delivery, `endpoint disabled${endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ''}`);
  const gates = await passGates(deps.db, endpoint, delivery, {
    now: deps.now(),
    probeLeaseMs: deps.config.attemptTimeoutMs + 10_000,
    probeWaitMs: Math.min(deps.config.circuitCooldownSeconds * 1000, 5000),
  });
  if (!gates.proceed) {
    const wait = gates.until - deps.now();
    // Come back shortly before the slot (a sweep interval early at most), then wait for it here.
    if (gates.rateSlot === null || wait > RATE_SLOT_WAIT_MS) return postpone(deps, delivery, gates.until, gates.rateSlot, gates.reason);
    // Our slot is near: wait for it here, so sends keep the limit's spacing instead of bunching at a sweep.
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const turnAt = await awaitSendTurn(deps.db, endpoint, deps.now, RATE_SLOT_WAIT_MS);
  // Still not our turn after the wait (sends backed up behind a stall): come back for a new slot.
  return turnAt === null ? null : postpone(deps, delivery, turnAt, null, 'rate limited');
}

async function postpone(deps: AttemptDeps, delivery: Delivery, until: number, rateSlot: number | null, reason: string): Promise<AttemptOutcome> {
  const back = rateSlot === null ? until : Math.max(deps.now(), until - RATE_SLOT_WAIT_MS);
  await postponeDelivery(deps.db, delivery.id, deps.owner, back, rateSlot);
  return outcomeOf(delivery, { succeeded: false, status_code: null, error_class: 'postponed', error_message: reason, duration_ms: 0 });
}

async function failUnsent(deps: AttemptDeps, delivery: Delivery, reason: string): Promise<AttemptOutcome> {
  await failWithoutAttempt(deps.db, delivery.id, deps.owner, deps.now(), reason);
  return outcomeOf(delivery, { succeeded: false, status_code: null, error_class: 'endpoint_disabled', error_message: reason, duration_ms: 0 });
}

/** A delivery sent, what its answer says, and what comes next. */
export interface Attempted {
  endpoint: Endpoint;
  event: EventRow;
  delivery: Delivery;
  trigger: AttemptTrigger;
  exchange: Exchange;
  verdict: Verdict;
  next: NextStep;
}

/** One request and its answer, or the reason there was none. */
export interface Exchange {
  started: number;
  finished: number;
  /** The headers sent, credentials included (masked when recorded). */
  requestHeaders: Record<string, string>;
  credentialHeaders: string[];
  /** The endpoint's outbound authentication, if it has one (its secrets are masked when recorded). */
  auth: OutboundAuth | null;
  response: OutboundResponse | null;
  failure: TransportError | null;
}

/**
 * Send: the target URL (and an OAuth2 token URL) meets the address policy now, not only when it
 * was configured; then the signed request goes, with its credentials (a 401 to an OAuth2 token
 * fetches a new token and sends once more).
 */
export async function send(deps: AttemptDeps, endpoint: Endpoint, delivery: Delivery, body: string): Promise<Exchange> {
  const exchange: Exchange = { started: deps.now(), finished: 0, requestHeaders: {}, credentialHeaders: [], auth: null, response: null, failure: null };
  try {
    const auth = await outboundAuth(deps.cipher, endpoint);
    exchange.auth = auth;
    const post = async () => {
      const credentials = auth ? await deps.authenticator.headers(endpoint.id, auth) : {};
      exchange.credentialHeaders = Object.keys(credentials);
      exchange.requestHeaders = { ...credentials, ...(await sign(deps, endpoint, delivery, body)) };
      return deps.transport.send({ url: endpoint.url, headers: exchange.requestHeaders, body, timeoutMs: deps.config.attemptTimeoutMs });
    };
    const targetProblem = deps.checkTarget(endpoint.url);
    if (targetProblem) throw new TransportError('blocked_address', `target URL ${targetProblem}`);
    // The token request carries the client credentials: its URL meets the same policy.
    const tokenProblem = auth?.method === 'OAUTH2' ? deps.checkTarget(auth.tokenUrl) : null;
    if (tokenProblem) throw new TransportError('blocked_address', `token URL ${tokenProblem}`);
    exchange.response = await post();
    if (exchange.response.status === 401 && auth?.method === 'OAUTH2') {
      // The cached token may have been revoked early: fetch a new one, once.
      deps.authenticator.invalidate(endpoint.id);
      exchange.response = await post();
    }
  } catch (error) {
    exchange.failure = error instanceof TransportError ? error : new TransportError('connection', (error as Error).message);
  }
  exchange.finished = deps.now();
  return exchange;
}

/** Sign: the request's content headers and its signatures, by every secret still signing (a rotated-out one during its grace period). */
export async function sign(
  deps: Pick<AttemptDeps, 'now' | 'cipher' | 'mac'>,
  endpoint: Pick<Endpoint, 'id' | 'surface' | 'secret_enc' | 'previous_secret_enc' | 'previous_secret_expires_at'>,
  delivery: Pick<Delivery, 'message_id'>,
  body: string,
): Promise<Record<string, string>> {
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

const succeededBy = (response: OutboundResponse | null) => response !== null && response.status >= 200 && response.status < 300;

export interface Verdict {
  succeeded: boolean;
  statusCode: number | null;
  errorClass: string | null;
  errorMessage: string | null;
}

/** What an exchange says: a 2xx answer is success; anything else (or no answer) a failure with its class. */
export function judge({ response, failure }: Pick<Exchange, 'response' | 'failure'>): Verdict {
  const succeeded = succeededBy(response);
  const statusCode = response?.status ?? null;
  return {
    succeeded,
    statusCode,
    errorClass: failure?.errorClass ?? (succeeded ? null : 'http_status'),
    errorMessage: failure?.message ?? (succeeded ? null : `receiver answered HTTP ${statusCode}`),
  };
}

export interface NextStep {
  status: DeliveryStatus;
  /** When the next attempt is due; null once the delivery is finished. */
  nextAttemptAt: number | null;
}

/**
 * Schedule the next: a 2xx finishes the delivery; 410 Gone fails it at once, as does any failure
 * of a test send; otherwise the retry schedule decides, a `Retry-After` on 429 or 503 lengthening
 * the delay, and an exhausted schedule fails it.
 */
export function scheduleNext(
  config: Pick<Config, 'retryScheduleSeconds'>,
  trigger: AttemptTrigger,
  attemptNumber: number,
  exchange: Pick<Exchange, 'response' | 'finished'>,
): NextStep {
  if (succeededBy(exchange.response)) return { status: 'succeeded', nextAttemptAt: null };
  const statusCode = exchange.response?.status;
  const retryAfter = statusCode === 429 || statusCode === 503 ? parseRetryAfter(exchange.response?.headers['retry-after'], exchange.finished) : null;
  const delay = trigger === 'test' || statusCode === 410 ? null : nextRetryDelay(config.retryScheduleSeconds, attemptNumber, retryAfter);
  return delay === null ? { status: 'failed', nextAttemptAt: null } : { status: 'pending', nextAttemptAt: exchange.finished + delay };
}

/** What recording an attempt changed about its endpoint. */
export interface EndpointChange extends HealthChange {
  /** The endpoint was disabled by this 410 Gone (it was enabled until now). */
  gone: boolean;
}

/**
 * Record: the attempt row (secrets masked), the delivery's new state and the endpoint's health
 * (and, on 410 Gone, its disabling) commit together, while the lease is still ours.
 */
export async function record(deps: AttemptDeps, { endpoint, delivery, trigger, exchange, verdict, next }: Omit<Attempted, 'event'>): Promise<EndpointChange> {
  const { succeeded, statusCode, errorClass, errorMessage } = verdict;
  const { finished } = exchange;
  const settings = {
    circuitFailureThreshold: deps.config.circuitFailureThreshold,
    circuitCooldownMs: deps.config.circuitCooldownSeconds * 1000,
    disableAfterMs: deps.config.disableAfterSeconds * 1000,
  };
  const healthWrite = outcomeChangesNothing(endpointAsWritten(deps, endpoint), succeeded, finished)
    ? []
    : [endpointOutcomeQuery(deps.db, endpoint.id, succeeded, finished, settings)];
  const goneWrite = statusCode === 410 ? [disableEndpointQuery(deps.db, endpoint.id, GONE, finished)] : [];
  const written = await deps.atomic([
    ...attemptWrites(
      deps.db,
      {
        delivery_id: delivery.id,
        attempt_number: delivery.attempt_count + 1,
        trigger,
        started_at: exchange.started,
        duration_ms: finished - exchange.started,
        succeeded: succeeded ? 1 : 0,
        status_code: statusCode,
        error_class: errorClass,
        error_message: errorMessage,
        request_url: endpoint.url,
        ...(await redactedExchange(deps.cipher, endpoint, exchange)),
      },
      { deliveryId: delivery.id, owner: deps.owner, now: finished, status: next.status, nextAttemptAt: next.nextAttemptAt, statusCode, error: errorMessage },
    ),
    ...goneWrite,
    ...healthWrite,
  ]);
  if (healthWrite.length) noteTriggered(deps, endpoint.id, finished);
  const health = healthChange(healthWrite.length ? (written.at(-1)?.rows ?? []) : [], succeeded, finished, settings.circuitFailureThreshold);
  // The 410's UPDATE, just before the health one, returns the row only if it disabled the endpoint.
  return { ...health, gone: goneWrite.length > 0 && (written.at(-1 - healthWrite.length)?.rows.length ?? 0) > 0 };
}

/** The endpoint row with the newest `last_triggered_at` this process committed (never older than the row read). */
function endpointAsWritten(deps: Pick<AttemptDeps, 'triggeredAt'>, endpoint: Endpoint): Endpoint {
  const committed = deps.triggeredAt?.get(endpoint.id);
  return committed !== undefined && committed > (endpoint.last_triggered_at ?? Number.NEGATIVE_INFINITY) ? { ...endpoint, last_triggered_at: committed } : endpoint;
}

/** Notes a committed `last_triggered_at` (entries over a minute old are dropped once there are many). */
function noteTriggered(deps: Pick<AttemptDeps, 'triggeredAt'>, endpointId: string, at: number): void {
  const known = deps.triggeredAt;
  if (!known) return;
  if (known.size >= 10_000) for (const [id, when] of known) if (at - when > 60_000) known.delete(id);
  if ((known.get(endpointId) ?? Number.NEGATIVE_INFINITY) < at) known.set(endpointId, at);
}

/**
 * The exchange as the attempt log keeps it: credentials sent stored as `Basic ****`, `Bearer ****`
 * or `****`; in the response, the endpoint's own secrets (credentials sent, the subscription's
 * password, API key and client secret, its signing secrets) masked wherever a receiver echoed them,
 * in the body and in every header value.
 */
export async function redactedExchange(
  cipher: SecretCipher,
  endpoint: Pick<Endpoint, 'id' | 'secret_enc' | 'previous_secret_enc'>,
  exchange: Pick<Exchange, 'requestHeaders' | 'credentialHeaders' | 'auth' | 'response'>,
) {
  const { requestHeaders, credentialHeaders, auth, response } = exchange;
  const request_headers = JSON.stringify(maskCredentials(requestHeaders, credentialHeaders));
  if (!response) return { request_headers };
  const signing = await Promise.all(
    [endpoint.secret_enc, endpoint.previous_secret_enc].filter((stored) => stored !== null).map((stored) => cipher.decrypt(stored, signingSecretOf(endpoint.id))),
  );
  const secrets = [
    ...credentialHeaders.map((name) => credentialOf(requestHeaders[name] ?? '')),
    ...(auth ? authSecrets(auth) : []),
    ...signing.flatMap((secret) => (secret.startsWith('whsec_') ? [secret, secret.slice(6)] : [secret])),
  ];
  const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, redactSecrets(value, secrets)]));
  return { request_headers, response_headers: JSON.stringify(headers), response_body: redactSecrets(response.body, secrets) };
}

/** Report: the operational events the attempt caused, its log line and its metrics; returns its outcome. */
function report(deps: AttemptDeps, { endpoint, event, delivery, trigger, exchange, verdict, next }: Attempted, change: EndpointChange): AttemptOutcome {
  const { succeeded, statusCode, errorClass, errorMessage } = verdict;
  const attemptNumber = delivery.attempt_count + 1;
  // The 410 disabled it, or else the failing streak did.
  const disabledReason = change.gone ? GONE : change.disabled ? 'every delivery attempt failed for too long' : null;
  if (!isOperational(event.type)) {
    const context = { tenant_id: endpoint.tenant_id, endpoint_id: endpoint.id, surface: endpoint.surface, event_type: event.type, event_id: event.id };
    const link = { delivery_id: delivery.id, delivery_url: `/api/v1/admin/webhooks/${endpoint.id}/deliveries/${delivery.id}` };
    if (next.status === 'failed' && trigger !== 'test')
      deps.emit?.({
        tenantId: endpoint.tenant_id,
        type: 'delivery.failed',
        data: { ...context, ...link, attempts: attemptNumber, last_status_code: statusCode, last_error: errorMessage },
      });
    if (disabledReason) deps.emit?.({ tenantId: endpoint.tenant_id, type: 'endpoint.disabled', data: { ...context, ...link, reason: disabledReason } });
    if (change.circuitOpened)
      deps.emit?.({ tenantId: endpoint.tenant_id, type: 'endpoint.circuit_opened', data: { ...context, ...link, retry_after_seconds: deps.config.circuitCooldownSeconds } });
  }
  if (disabledReason) deps.log({ level: 'warn', msg: 'endpoint disabled', endpoint_id: endpoint.id, tenant_id: endpoint.tenant_id, reason: disabledReason });
  const outcome = outcomeOf(delivery, {
    succeeded,
    status_code: statusCode,
    error_class: errorClass,
    error_message: errorMessage,
    duration_ms: exchange.finished - exchange.started,
  });
  const outcomeName = succeeded ? 'succeeded' : next.status === 'pending' ? 'retry_scheduled' : 'failed';
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

function outcomeOf(delivery: Delivery, result: Omit<AttemptOutcome, 'delivery_id' | 'attempt_number'>): AttemptOutcome {
  return { delivery_id: delivery.id, attempt_number: delivery.attempt_count + 1, ...result };
}

async function outboundAuth(cipher: SecretCipher, endpoint: Endpoint): Promise<OutboundAuth | null> {
  return endpoint.auth_enc ? (JSON.parse(await cipher.decrypt(endpoint.auth_enc, outboundAuthOf(endpoint.id))) as OutboundAuth) : null;
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
