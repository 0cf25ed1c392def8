import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { call, type RunningServer } from '../support/server.ts';
import { type AdminApi, BASE, DELIVERY_KEYS, itNeverShowsASecret, useAdminApi } from './support.ts';

describe('admin webhooks API (page 001, /api/v1/admin/webhooks)', () => {
  const api = useAdminApi();
  const { t, secrets, create, withDb, seedDelivery, seedAttempt } = api;
  let server: RunningServer;
  let receiver: AdminApi['receiver'];
  let admin: Record<string, string>;
  before(() => {
    ({ server, receiver, admin } = api);
  });

  describe('deliveries and stats', () => {
    it('lists deliveries newest first, filtered by status and paginated; 422 on a bad status or paging', async () => {
      const { id } = (await create(t.b.id)).body;
      const now = Date.now();
      const ids = withDb((db) => ['succeeded', 'failed', 'succeeded', 'pending'].map((status, i) => seedDelivery(db, id, { status, createdAt: now - 1000 + i })));
      const all = await call(server, 'GET', `${BASE}/${id}/deliveries`, { headers: admin });
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.items.map((item: { id: number }) => item.id),
        [...ids].reverse(),
      );
      assert.deepEqual([all.body.total, all.body.page, all.body.per_page, all.body.pages], [4, 1, 20, 1]);
      assert.deepEqual(Object.keys(all.body.items[0]).sort(), DELIVERY_KEYS);
      assert.deepEqual([all.body.items[0].webhook_id, all.body.items[0].event_type, all.body.items[0].status], [id, 'invoice.paid', 'pending']);
      const succeeded = await call(server, 'GET', `${BASE}/${id}/deliveries?status=succeeded&per_page=1&page=2`, { headers: admin });
      assert.deepEqual([succeeded.body.items.map((item: { id: number }) => item.id), succeeded.body.total, succeeded.body.pages], [[ids[0]], 2, 2]);
      for (const [query, loc] of [
        ['status=done', ['query', 'status']],
        ['per_page=101', ['query', 'per_page']],
        ['page=0', ['query', 'page']],
      ]) {
        const response = await call(server, 'GET', `${BASE}/${id}/deliveries?${query}`, { headers: admin });
        assert.equal(response.status, 422, query as string);
        assert.deepEqual(response.body.detail[0].loc, loc);
      }
    });

    it('shows one delivery with its payload and attempts; 404 for another webhook’s delivery, 422 for a non-integer id', async () => {
      const { id } = (await create(t.b.id)).body;
      const other = (await create(t.b.id)).body.id;
      const now = Date.now();
      const deliveryId = withDb((db) => {
        const delivery = seedDelivery(db, id, { status: 'succeeded', createdAt: now });
        seedAttempt(db, delivery, { n: 1, ok: false, ms: 30, at: now });
        seedAttempt(db, delivery, { n: 2, ok: true, ms: 20, at: now + 10 });
        return delivery;
      });
      const response = await call(server, 'GET', `${BASE}/${id}/deliveries/${deliveryId}`, { headers: admin });
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), [...DELIVERY_KEYS, 'attempts', 'payload'].sort());
      assert.deepEqual(response.body.payload, { invoice_id: 'inv_1' });
      assert.deepEqual(
        response.body.attempts.map((attempt: { attempt_number: number; succeeded: boolean }) => [attempt.attempt_number, attempt.succeeded]),
        [
          [1, false],
          [2, true],
        ],
      );
      assert.deepEqual(response.body.attempts[0].request_headers, { 'webhook-id': 'msg_1' });
      assert.deepEqual(Object.keys(response.body.attempts[0]).sort(), [
        'attempt_number',
        'duration_ms',
        'error_class',
        'error_message',
        'id',
        'request_headers',
        'request_url',
        'response_body',
        'response_headers',
        'started_at',
        'status_code',
        'succeeded',
        'trigger',
      ]);
      const elsewhere = await call(server, 'GET', `${BASE}/${other}/deliveries/${deliveryId}`, { headers: admin });
      assert.deepEqual([elsewhere.status, elsewhere.body], [404, { detail: 'Delivery not found' }]);
      for (const bad of ['abc', '1.5']) {
        const response = await call(server, 'GET', `${BASE}/${id}/deliveries/${bad}`, { headers: admin });
        assert.equal(response.status, 422);
        assert.deepEqual(response.body.detail[0].loc, ['path', 'delivery_id']);
      }
    });

    it('reports statistics: counts by status, success rate, attempts, nearest-rank latency percentiles, last success/failure', async () => {
      const { id } = (await create(t.b.id)).body;
      const empty = await call(server, 'GET', `${BASE}/${id}/stats`, { headers: admin });
      assert.deepEqual(empty.body, {
        webhook_id: id,
        total: 0,
        by_status: { pending: 0, succeeded: 0, failed: 0 },
        success_rate: null,
        attempts: 0,
        latency_ms: { p50: null, p95: null, p99: null },
        last_success_at: null,
        last_failure_at: null,
        circuit: { state: 'closed', consecutive_failures: 0, opened_at: null, retry_at: null },
        ordering: 'none',
        blocked_by: null,
        rate_limit: null,
      });
      const base = Date.now() - 60_000;
      withDb((db) => {
        const ok = [
          seedDelivery(db, id, { status: 'succeeded', createdAt: base }),
          seedDelivery(db, id, { status: 'succeeded', createdAt: base }),
          seedDelivery(db, id, { status: 'succeeded', createdAt: base }),
        ];
        const failed = seedDelivery(db, id, { status: 'failed', createdAt: base });
        seedDelivery(db, id, { status: 'pending', createdAt: base });
        // 100 attempts of 1..100 ms: 97 successes spread over the three, 3 failures last.
        for (let ms = 1; ms <= 100; ms++) {
          const failure = ms > 97;
          seedAttempt(db, failure ? failed : ok[ms % 3]!, { n: ms, ok: !failure, ms: 101 - ms, at: base + ms * 100 });
        }
      });
      const stats = await call(server, 'GET', `${BASE}/${id}/stats`, { headers: admin });
      assert.equal(stats.status, 200);
      assert.deepEqual(stats.body, {
        webhook_id: id,
        total: 5,
        by_status: { pending: 1, succeeded: 3, failed: 1 },
        success_rate: 0.75,
        attempts: 100,
        latency_ms: { p50: 50, p95: 95, p99: 99 },
        last_success_at: new Date(base + 9700).toISOString(),
        last_failure_at: new Date(base + 10_000).toISOString(),
        circuit: { state: 'closed', consecutive_failures: 0, opened_at: null, retry_at: null },
        ordering: 'none',
        blocked_by: null,
        rate_limit: null,
      });
    });
  });

  describe('test events, retries and secret rotation (these go through the delivery engine)', () => {
    it('sends a signed test event and reports success; the delivery appears in the history', async () => {
      const created = await create(t.a.id, { events: ['invoice.approved', 'invoice.paid'] });
      const response = await call(server, 'POST', `${BASE}/${created.body.id}/test`, { headers: admin });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.body).sort(), ['delivery_id', 'duration_ms', 'error', 'event_id', 'event_type', 'status_code', 'success']);
      assert.deepEqual([response.body.success, response.body.status_code, response.body.error, response.body.event_type], [true, 200, null, 'invoice.approved']);
      const request = receiver.received.at(-1)!;
      const verified = new StandardWebhook(created.body.secret).verify(request.body, request.headers as Record<string, string>) as { type?: string };
      assert.ok(verified, 'the request is signed with the secret returned at creation');
      const history = await call(server, 'GET', `${BASE}/${created.body.id}/deliveries`, { headers: admin });
      assert.deepEqual(
        history.body.items.map((item: { id: number; status: string }) => [item.id, item.status]),
        [[response.body.delivery_id, 'succeeded']],
      );
      const detail = await call(server, 'GET', `${BASE}/${created.body.id}/deliveries/${response.body.delivery_id}`, { headers: admin });
      assert.deepEqual([detail.body.attempts.length, detail.body.attempts[0].trigger, detail.body.attempts[0].status_code], [1, 'test', 200]);
      assert.equal(detail.body.attempts[0].response_body, 'thanks');
    });

    it('reports a failing test send, then retries the failed delivery manually (200) with the attempt outcome', async () => {
      const { id } = (await create(t.a.id, { url: `${receiver.url}/fail` })).body;
      const sent = await call(server, 'POST', `${BASE}/${id}/test`, { headers: admin });
      assert.equal(sent.status, 200, sent.text);
      assert.deepEqual([sent.body.success, sent.body.status_code, typeof sent.body.error], [false, 500, 'string']);
      const retried = await call(server, 'POST', `${BASE}/${id}/deliveries/${sent.body.delivery_id}/retry`, { headers: admin });
      assert.equal(retried.status, 200, retried.text);
      assert.equal(retried.body.delivery_id, sent.body.delivery_id);
      assert.equal(retried.body.retried, true);
      assert.deepEqual([retried.body.attempt.attempt_number, retried.body.attempt.succeeded, retried.body.attempt.status_code], [2, false, 500]);
      const detail = await call(server, 'GET', `${BASE}/${id}/deliveries/${sent.body.delivery_id}`, { headers: admin });
      assert.deepEqual(
        detail.body.attempts.map((attempt: { trigger: string }) => attempt.trigger),
        ['test', 'manual'],
      );
    });

    it('answers 409 to a retry of a delivery in flight, 404 to an unknown one and 422 to a non-integer id', async () => {
      const { id } = (await create(t.a.id)).body;
      const leased = withDb((db) => seedDelivery(db, id, { status: 'pending', createdAt: Date.now(), lease: true }));
      const busy = await call(server, 'POST', `${BASE}/${id}/deliveries/${leased}/retry`, { headers: admin });
      assert.deepEqual([busy.status, busy.body], [409, { detail: 'Delivery is already in flight' }]);
      const unknown = await call(server, 'POST', `${BASE}/${id}/deliveries/999999/retry`, { headers: admin });
      assert.deepEqual([unknown.status, unknown.body], [404, { detail: 'Delivery not found' }]);
      const bad = await call(server, 'POST', `${BASE}/${id}/deliveries/x/retry`, { headers: admin });
      assert.deepEqual([bad.status, bad.body.detail[0].loc], [422, ['path', 'delivery_id']]);
    });

    it('rotates the secret: a new whsec_ secret, the old one still signing until the grace period ends', async () => {
      const created = await create(t.a.id);
      const before = Date.now();
      const rotated = await call(server, 'POST', `${BASE}/${created.body.id}/rotate-secret`, { headers: admin });
      assert.equal(rotated.status, 200);
      secrets.push(rotated.body.secret);
      assert.deepEqual(Object.keys(rotated.body).sort(), ['id', 'previous_secret_expires_at', 'secret']);
      assert.equal(rotated.body.id, created.body.id);
      assert.match(rotated.body.secret, /^whsec_/);
      assert.notEqual(rotated.body.secret, created.body.secret);
      const expires = Date.parse(rotated.body.previous_secret_expires_at);
      assert.ok(Math.abs(expires - (before + 86_400_000)) < 60_000, rotated.body.previous_secret_expires_at);
      const fetched = await call(server, 'GET', `${BASE}/${created.body.id}`, { headers: admin });
      assert.ok(!fetched.text.includes(rotated.body.secret));

      const sent = await call(server, 'POST', `${BASE}/${created.body.id}/test`, { headers: admin });
      assert.equal(sent.body.success, true, sent.text);
      const request = receiver.received.at(-1)!;
      for (const secret of [rotated.body.secret, created.body.secret]) {
        assert.ok(new StandardWebhook(secret).verify(request.body, request.headers as Record<string, string>));
      }
    });
  });

  itNeverShowsASecret(api);
});
