import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Delivery, Endpoint } from '../src/db/schema.ts';
import { checkTargetUrl, createTargetCheck } from '../src/delivery/address-policy.ts';
import { type AttemptDeps, gate, judge, redactedExchange, scheduleNext, sign } from '../src/delivery/attempt.ts';
import type { OutboundAuth } from '../src/delivery/outbound-auth.ts';
import { createNobleMac, nobleMac } from '../src/delivery/signer.ts';
import { type OutboundResponse, TransportError } from '../src/delivery/transport.ts';
import { createSecretCipher, signingSecretOf } from '../src/lib/cipher.ts';
import { ENCRYPTION_KEY } from './support/server.ts';

/**
 * The steps of one attempt (src/delivery/attempt.ts), each on its own: no server, no store, no
 * receiver. The tests that send real deliveries (delivery, endpoint-gone, retry-schedule, …)
 * cover the steps together.
 */
const SCHEDULE = { retryScheduleSeconds: [5, 300] };
const FINISHED = Date.parse('2026-12-06T12:00:00Z');
const answer = (status: number, headers: Record<string, string> = {}, body = ''): OutboundResponse => ({ status, headers, body });
const answered = (status: number, headers: Record<string, string> = {}) => ({ response: answer(status, headers), finished: FINISHED });
const noAnswer = { response: null, finished: FINISHED };

describe('attempt steps: schedule the next', () => {
  it('finishes a delivery on any 2xx', () => {
    for (const status of [200, 202, 204, 299]) assert.deepEqual(scheduleNext(SCHEDULE, 'sweep', 1, answered(status)), { status: 'succeeded', nextAttemptAt: null });
  });

  it('fails it at once on 410 Gone, with retries left in the schedule', () => {
    assert.deepEqual(scheduleNext(SCHEDULE, 'fast_path', 1, answered(410)), { status: 'failed', nextAttemptAt: null });
  });

  it('retries a 5xx, or no answer at all, on the schedule (±20 % jitter)', () => {
    for (const exchange of [answered(500), answered(503), answered(404), noAnswer]) {
      const next = scheduleNext(SCHEDULE, 'sweep', 1, exchange);
      assert.equal(next.status, 'pending');
      const delay = next.nextAttemptAt! - FINISHED;
      assert.ok(delay >= 4000 && delay <= 6000, `${delay} ms`);
    }
  });

  it('lets Retry-After on 429 and 503 lengthen the delay (seconds or a date), never shorten it', () => {
    assert.deepEqual(scheduleNext(SCHEDULE, 'sweep', 1, answered(429, { 'retry-after': '120' })), { status: 'pending', nextAttemptAt: FINISHED + 120_000 });
    const date = new Date(FINISHED + 60_000).toUTCString();
    assert.deepEqual(scheduleNext(SCHEDULE, 'sweep', 1, answered(503, { 'retry-after': date })), { status: 'pending', nextAttemptAt: FINISHED + 60_000 });
    const shorter = scheduleNext(SCHEDULE, 'sweep', 2, answered(429, { 'retry-after': '1' })).nextAttemptAt! - FINISHED;
    assert.ok(shorter >= 240_000 && shorter <= 360_000, `${shorter} ms`);
    // Only 429 and 503 carry a Retry-After that counts.
    const ignored = scheduleNext(SCHEDULE, 'sweep', 1, answered(500, { 'retry-after': '120' })).nextAttemptAt! - FINISHED;
    assert.ok(ignored <= 6000, `${ignored} ms`);
  });

  it('fails it once the schedule is exhausted', () => {
    assert.deepEqual(scheduleNext(SCHEDULE, 'sweep', 3, answered(500)), { status: 'failed', nextAttemptAt: null });
  });

  it('never retries a test send, and retries a manual one like any', () => {
    assert.deepEqual(scheduleNext(SCHEDULE, 'test', 1, answered(500)), { status: 'failed', nextAttemptAt: null });
    assert.deepEqual(scheduleNext(SCHEDULE, 'test', 1, answered(200)), { status: 'succeeded', nextAttemptAt: null });
    assert.equal(scheduleNext(SCHEDULE, 'manual', 1, answered(500)).status, 'pending');
  });
});

describe('attempt steps: gate', () => {
  it('never holds back a manual retry or a test send: not a disabled endpoint, an open circuit or a rate limit', async () => {
    const endpoint = { enabled: 0, disabled_reason: 'gone', circuit_state: 'open', circuit_retry_at: Date.now() + 60_000, rate_limit: 1 } as Endpoint;
    // Nothing is read or written: the store and the clock are never asked.
    const deps = {} as AttemptDeps;
    for (const trigger of ['manual', 'test'] as const) assert.equal(await gate(deps, endpoint, {} as Delivery, trigger), null);
  });
});

describe('attempt steps: judge', () => {
  it('reads a 2xx as success, any other status as http_status, no answer by its error class', () => {
    assert.deepEqual(judge({ response: answer(204), failure: null }), { succeeded: true, statusCode: 204, errorClass: null, errorMessage: null });
    assert.deepEqual(judge({ response: answer(500), failure: null }), { succeeded: false, statusCode: 500, errorClass: 'http_status', errorMessage: 'receiver answered HTTP 500' });
    assert.deepEqual(judge({ response: null, failure: new TransportError('timeout', 'request timed out') }), {
      succeeded: false,
      statusCode: null,
      errorClass: 'timeout',
      errorMessage: 'request timed out',
    });
  });
});

describe('attempt steps: record (what the attempt log keeps)', async () => {
  const cipher = await createSecretCipher(ENCRYPTION_KEY);
  const id = 'wh_steps';
  const signingSecret = `whsec_${Buffer.from('s'.repeat(24)).toString('base64')}`;
  const previousSecret = 'plain-old-signing-secret';
  const endpoint = {
    id,
    secret_enc: await cipher.encrypt(signingSecret, signingSecretOf(id)),
    previous_secret_enc: await cipher.encrypt(previousSecret, signingSecretOf(id)),
  };
  const auth: OutboundAuth = { method: 'BASIC_AUTH', username: 'ana', password: 'pa55/word"x' };
  const blob = Buffer.from('ana:pa55/word"x').toString('base64');
  const requestHeaders = { authorization: `Basic ${blob}`, 'x-api-key': 'key-0123456789', 'content-type': 'application/json' };

  it('stores credentials sent as `Basic ****` or `****`, and nothing of the response when there was none', async () => {
    const logged = await redactedExchange(cipher, endpoint, { requestHeaders, credentialHeaders: ['authorization', 'x-api-key'], auth, response: null });
    assert.deepEqual(logged, { request_headers: JSON.stringify({ authorization: 'Basic ****', 'x-api-key': '****', 'content-type': 'application/json' }) });
  });

  it('masks every secret of the endpoint a receiver echoed, in the body and in header values', async () => {
    const echoed = {
      sent: requestHeaders.authorization,
      password: auth.password,
      signing: signingSecret.slice(6),
      previous: encodeURIComponent(previousSecret),
      key: requestHeaders['x-api-key'],
    };
    const response = answer(400, { 'x-echo': `token=${blob}; whsec=${signingSecret}`, 'content-type': 'application/json' }, JSON.stringify(echoed));
    const logged = await redactedExchange(cipher, endpoint, { requestHeaders, credentialHeaders: ['authorization', 'x-api-key'], auth, response });
    const stored = `${logged.request_headers} ${logged.response_headers} ${logged.response_body}`;
    for (const secret of [blob, 'pa55/word', signingSecret.slice(6), previousSecret, 'key-0123456789']) assert.ok(!stored.includes(secret), `${secret} in ${stored}`);
    assert.deepEqual(JSON.parse(logged.response_headers!), { 'x-echo': 'token=****; whsec=****', 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(logged.response_body!), { sent: 'Basic ****', password: '****', signing: '****', previous: '****', key: '****' });
  });
});

describe('attempt steps: sign', async () => {
  const cipher = await createSecretCipher(ENCRYPTION_KEY);
  // Standard Webhooks verifiers refuse timestamps five minutes away from their own clock.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const deps = { now: () => now, cipher, mac: createNobleMac() };
  const current = `whsec_${Buffer.from('c'.repeat(24)).toString('base64')}`;
  const previous = `whsec_${Buffer.from('p'.repeat(24)).toString('base64')}`;
  const endpointOf = async (surface: 'admin' | 'sponsor', previousExpiresAt: number | null) => ({
    id: 'wh_sign',
    surface,
    secret_enc: await cipher.encrypt(current, signingSecretOf('wh_sign')),
    previous_secret_enc: previousExpiresAt === null ? null : await cipher.encrypt(previous, signingSecretOf('wh_sign')),
    previous_secret_expires_at: previousExpiresAt,
  });
  const body = '{"event_id":"evt_1"}';
  const verifies = (secret: string, headers: Record<string, string>) => {
    try {
      new Webhook(secret).verify(body, headers);
      return true;
    } catch {
      return false;
    }
  };

  it('signs with the current secret only, and with the body signature where the surface asks for it', async () => {
    const admin = await sign(deps, await endpointOf('admin', null), { message_id: 'msg_1' }, body);
    assert.equal(admin['webhook-id'], 'msg_1');
    assert.equal(admin['webhook-timestamp'], String(now / 1000));
    assert.ok(verifies(current, admin));
    assert.equal(admin['x-webhook-signature'], undefined);
    const sponsor = await sign(deps, await endpointOf('sponsor', null), { message_id: 'msg_1' }, body);
    assert.match(sponsor['x-webhook-signature']!, /^sha256=[0-9a-f]{64}$/);
  });

  it('signs with the rotated-out secret too during its grace period, and not after', async () => {
    const inGrace = await sign(deps, await endpointOf('admin', now + 1000), { message_id: 'msg_2' }, body);
    assert.ok(verifies(current, inGrace) && verifies(previous, inGrace));
    const after = await sign(deps, await endpointOf('admin', now), { message_id: 'msg_2' }, body);
    assert.ok(verifies(current, after) && !verifies(previous, after));
  });

  it('sends only the content headers without a signing secret', async () => {
    const headers = await sign(
      deps,
      { id: 'wh_none', surface: 'admin', secret_enc: null, previous_secret_enc: null, previous_secret_expires_at: null },
      { message_id: 'msg_3' },
      body,
    );
    assert.deepEqual(Object.keys(headers).sort(), ['content-type', 'user-agent']);
  });
});

describe('attempt steps: state an engine owns', () => {
  it('judges target URLs by the policy it was made with, whatever another engine’s policy is', () => {
    const strict = createTargetCheck({ allowPrivateTargets: false, requireHttps: true });
    const lax = createTargetCheck({ allowPrivateTargets: true, requireHttps: false });
    for (const url of ['http://127.0.0.1:9/hook', 'http://example.com/hook', 'https://example.com/hook', 'not a url']) {
      for (let round = 0; round < 2; round++) {
        assert.equal(strict(url), checkTargetUrl(url, { allowPrivateTargets: false, requireHttps: true }), url);
        assert.equal(lax(url), checkTargetUrl(url, { allowPrivateTargets: true, requireHttps: false }), url);
      }
    }
    assert.notEqual(strict('http://127.0.0.1:9/hook'), null);
    assert.equal(lax('http://127.0.0.1:9/hook'), null);
  });

  it('keeps keyed HMAC state per secret that signs like a fresh HMAC, message after message', () => {
    const mac = createNobleMac();
    const key = (secret: string) => () => new TextEncoder().encode(secret);
    for (const message of ['a', 'b', 'a', '']) {
      for (const secret of ['one', 'two']) {
        for (const encoding of ['hex', 'base64'] as const)
          assert.equal(mac(`k:${secret}`, key(secret), message, encoding), nobleMac(`k:${secret}`, key(secret), message, encoding));
      }
    }
  });
});
