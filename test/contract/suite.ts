import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually } from '../support/eventually.ts';
import { answer, type Received, type Receiver, startReceiver } from '../support/receiver.ts';
import { adminToken, bearer, call, token } from '../support/server.ts';
import type { Target } from './targets.ts';

/**
 * The contract every runtime keeps (Node, Bun, the compiled binary, workerd + D1, the container),
 * black-box over HTTP with the same assertions. Each runtime's file is one line naming its target.
 */
export function contractSuite(start: () => Promise<Target>): void {
  describe('hookgate contract', { timeout: 300_000 }, () => {
    let target: Target;
    let receiver: Receiver;
    let admin: Record<string, string>;
    let tenant: { id: string; apiKey: string };
    let sponsorSecret: string;
    let adminWebhook: { id: string; secret: string };
    let partnerId: number;

    before(async () => {
      receiver = await startReceiver();
      target = await start();
      admin = bearer(await adminToken());
    });
    after(async () => {
      await target?.stop();
      await receiver?.close();
    });

    const received = (path: string) => receiver.received.filter((request) => request.path === path);
    const headersOf = (request: Received) => Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));

    it('answers health, readiness and the OpenAPI document with every surface', async () => {
      assert.equal((await call(target, 'GET', '/health')).status, 200);
      assert.equal((await call(target, 'GET', '/ready')).status, 200);
      const spec = await call(target, 'GET', '/openapi.json');
      assert.equal(spec.status, 200);
      const paths = Object.keys(spec.body.paths);
      for (const prefix of ['/api/webhooks', '/api/v1/admin/webhooks', '/subscription-management', '/api/v1/webhooks/configure', '/api/v1/tenants', '/api/v1/events']) {
        assert.ok(
          paths.some((path) => path.startsWith(prefix)),
          `${prefix} is in the spec`,
        );
      }
      assert.deepEqual((await call(target, 'GET', '/no-such-path')).body, { detail: 'Not Found' });
    });

    it('serves /docs with the API reference script from its own origin, under a strict CSP, the script cached for a year', async () => {
      const page = await fetch(`${target.url}/docs`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self' 'nonce-[^']+';.*object-src 'none'/);
      assert.doesNotMatch(html, /\/\/[a-z0-9.-]+\.[a-z]/i, 'the page names no other origin');
      const address = /<script src="([^"]+)"/.exec(html)?.[1] ?? '';
      assert.match(address, /^\/docs\/assets\/api-reference-\d+\.\d+\.\d+\.js$/);
      const script = await fetch(`${target.url}${address}`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
      assert.match(script.headers.get('cache-control') ?? '', /max-age=31536000/);
      const body = await script.text();
      assert.ok(body.length > 1_000_000 && body.includes('createApiReference'), `the standalone build (${body.length} bytes)`);
    });

    it('operator API: creates a tenant with an API key and an AS2 partner; refuses without a token', async () => {
      assert.equal((await call(target, 'POST', '/api/v1/tenants', { body: { name: 'x' } })).status, 401);
      assert.equal((await call(target, 'POST', '/api/v1/tenants', { headers: admin, body: { name: 42 } })).status, 422);
      const created = await call(target, 'POST', '/api/v1/tenants', { headers: admin, body: { name: 'Contract' } });
      assert.equal(created.status, 201, created.text);
      tenant = { id: created.body.tenant_id, apiKey: created.body.api_key };
      const partner = await call(target, 'POST', `/api/v1/tenants/${tenant.id}/as2-partners`, { headers: admin, body: { name: 'Partner' } });
      assert.equal(partner.status, 201, partner.text);
      partnerId = partner.body.partner_id;
    });

    it('sponsor API (page 000): creates the webhook once, shows its secret only then', async () => {
      const key = { authorization: tenant.apiKey };
      assert.equal((await call(target, 'POST', '/api/webhooks', { headers: key, body: { url: 'not a url' } })).status, 422);
      const created = await call(target, 'POST', '/api/webhooks', { headers: key, body: { url: `${receiver.url}/sponsor` } });
      assert.equal(created.status, 201, created.text);
      sponsorSecret = created.body.secret;
      const shown = await call(target, 'GET', '/api/webhooks', { headers: key });
      assert.equal(shown.status, 200);
      assert.equal(shown.body.url, `${receiver.url}/sponsor`);
      assert.ok(!shown.text.includes(sponsorSecret), 'the secret is never returned again');
      assert.equal((await call(target, 'GET', '/api/webhooks', { headers: { authorization: 'hg_wrong' } })).status, 401);
    });

    it('admin API (page 001): creates and lists a webhook; 403 for a token without the scope', async () => {
      const body = { tenant_id: tenant.id, url: `${receiver.url}/admin`, events: ['invoice.paid'] };
      const created = await call(target, 'POST', '/api/v1/admin/webhooks', { headers: admin, body });
      assert.equal(created.status, 201, created.text);
      adminWebhook = { id: created.body.id, secret: created.body.secret };
      const listed = await call(target, 'GET', `/api/v1/admin/webhooks?tenant_id=${tenant.id}`, { headers: admin });
      assert.equal(listed.status, 200);
      assert.ok(listed.text.includes(adminWebhook.id));
      const reader = bearer(await token({ scope: 'webhooks:read' }));
      assert.equal((await call(target, 'POST', '/api/v1/admin/webhooks', { headers: reader, body })).status, 403);
    });

    it('subscription API (page 002): creates a subscription with API-key outbound auth; 400 on bad input', async () => {
      const subscriber = bearer(await token({ sub: 'svc-contract', tenantId: tenant.id }));
      const body = {
        notificationUrl: `${receiver.url}/subscription`,
        eventType: 'INVOICE_STATUS_CHANGED',
        authentication: { method: 'API_KEY', headerName: 'X-Receiver-Key', key: 'receiver-key-123' },
      };
      const bad = await call(target, 'POST', '/subscription-management', { headers: subscriber, body: { ...body, eventType: 'NOPE' } });
      assert.equal(bad.status, 400, bad.text);
      const created = await call(target, 'POST', '/subscription-management', { headers: subscriber, body });
      assert.equal(created.status, 201, created.text);
      assert.ok(!created.text.includes('receiver-key-123'), 'credentials are never returned');
      const listed = await call(target, 'GET', '/subscription-management', { headers: subscriber });
      assert.equal(listed.status, 200);
      assert.ok(listed.text.includes(created.body.id));
    });

    it('AS2 API (page 003): configures and reads a partner webhook; errors in its own format', async () => {
      const key = { 'x-api-key': tenant.apiKey };
      const bad = await call(target, 'POST', '/api/v1/webhooks/configure', { headers: key, body: { webhook_url: 'x' } });
      assert.equal(bad.body.status, 'error', bad.text);
      const configured = await call(target, 'POST', '/api/v1/webhooks/configure', {
        headers: key,
        body: { partner_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: 'as2-shared-secret' },
      });
      assert.equal(configured.status, 200, configured.text);
      const shown = await call(target, 'POST', '/api/v1/webhooks/get', { headers: key, body: { partner_id: partnerId } });
      assert.equal(shown.status, 200, shown.text);
      assert.ok(!shown.text.includes('as2-shared-secret'));
    });

    it('audit log: records the changes above, with the actor and the client address the runtime gives, and no secret', async () => {
      const audit = await call(target, 'GET', '/api/v1/admin/audit?per_page=100', { headers: admin });
      assert.equal(audit.status, 200, audit.text);
      const actions = audit.body.items.map((entry: { action: string }) => entry.action);
      for (const action of ['tenant.created', 'as2_partner.created', 'webhook.created', 'webhook.configured']) assert.ok(actions.includes(action), action);
      const configured = audit.body.items.find((entry: { action: string }) => entry.action === 'webhook.configured');
      assert.equal(configured.actor.id, tenant.apiKey.slice(0, 19));
      // Node and Bun read the socket's peer; workerd gives `cf-connecting-ip` (wrangler dev sets it to the caller).
      assert.match(configured.ip, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      for (const secret of [tenant.apiKey, sponsorSecret, adminWebhook.secret, 'as2-shared-secret']) assert.ok(!audit.text.includes(secret));
    });

    it('ingests an event with 202 and delivers it at once, signed, to every matching surface', async () => {
      const key = { authorization: tenant.apiKey };
      assert.equal((await call(target, 'POST', '/api/v1/events', { headers: key, body: { type: 'invoice.exploded', data: {} } })).status, 422);
      const published = await call(target, 'POST', '/api/v1/events', { headers: key, body: { type: 'INVOICE_STATUS_CHANGED', data: { invoice_id: 'inv_1' } } });
      assert.equal(published.status, 202, published.text);
      assert.equal(published.body.deliveries, 2, 'the sponsor webhook and the subscription take it');
      await receiver.waitFor(() => received('/sponsor').length === 1 && received('/subscription').length === 1, 20_000);

      const [sponsor] = received('/sponsor');
      assert.equal(sponsor!.json.event_id, published.body.event_id);
      assert.equal(sponsor!.json.event_type, 'invoice.status_changed');
      const verified = new Webhook(Buffer.from(sponsorSecret).toString('base64')).verify(sponsor!.body, headersOf(sponsor!)) as { event_id: string };
      assert.equal(verified.event_id, published.body.event_id);
      assert.equal(sponsor!.headers['x-webhook-signature'], `sha256=${createHmac('sha256', sponsorSecret).update(sponsor!.body).digest('hex')}`);

      const [subscription] = received('/subscription');
      assert.equal(subscription!.headers['x-receiver-key'], 'receiver-key-123', 'outbound API-key authentication');
    });

    it('delivers an AS2 event to its partner’s webhook with the partner’s signature', async () => {
      const published = await call(target, 'POST', '/api/v1/events', {
        headers: { authorization: tenant.apiKey },
        body: { type: 'mensaje.recibido', data: { file_name: 'a.xml' }, partner_id: partnerId },
      });
      assert.equal(published.status, 202, published.text);
      const [request] = await receiver.waitFor(() => received('/as2').length === 1, 20_000).then(() => received('/as2'));
      assert.equal(request!.headers['x-webhook-signature'], `sha256=${createHmac('sha256', 'as2-shared-secret').update(request!.body).digest('hex')}`);
    });

    it('retries after a 500 from the cron sweep, with the same webhook-id, and shows both attempts', async () => {
      let calls = 0;
      receiver.respond = (request, res) => {
        if (request.path === '/admin') calls++;
        const fail = request.path === '/admin' && calls === 1;
        res.writeHead(fail ? 500 : 200).end(fail ? 'boom' : 'ok');
      };
      const published = await call(target, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.paid', data: {} } });
      assert.equal(published.status, 202, published.text);
      await receiver.waitFor(() => received('/admin').length === 1, 20_000);
      await eventually(
        async () => {
          if (received('/admin').length >= 2) return true;
          await target.sweep();
          return undefined;
        },
        60_000,
        'the retry',
        300,
      );
      const [first, second] = received('/admin');
      assert.equal(first!.headers['webhook-id'], second!.headers['webhook-id']);
      const verified = new Webhook(adminWebhook.secret).verify(second!.body, headersOf(second!));
      assert.ok(verified);

      const base = `/api/v1/admin/webhooks/${adminWebhook.id}/deliveries`;
      const delivery = await eventually<{ id: number; status: string }>(
        async () =>
          (await call(target, 'GET', base, { headers: admin })).body.items.find(
            (row: { event_id: string; status: string }) => row.event_id === published.body.event_id && row.status === 'succeeded',
          ),
        15_000,
        'the delivery succeeded',
        200,
      );
      assert.equal(delivery?.status, 'succeeded');
      const detail = await call(target, 'GET', `${base}/${delivery!.id}`, { headers: admin });
      assert.deepEqual(
        detail.body.attempts.map((attempt: { attempt_number: number; status_code: number; succeeded: boolean }) => [
          attempt.attempt_number,
          attempt.status_code,
          attempt.succeeded,
        ]),
        [
          [1, 500, false],
          [2, 200, true],
        ],
      );
      assert.equal(detail.body.attempts[1].trigger, 'sweep', 'the retry came from the cron sweep');
      assert.equal(detail.body.attempts[0].response_body, 'boom');
      receiver.respond = answer(200, 'ok');
    });

    it('publishes a batch atomically: one bad event stores none', async () => {
      const key = { authorization: tenant.apiKey };
      const before = receiver.received.length;
      const bad = await call(target, 'POST', '/api/v1/events/batch', {
        headers: key,
        body: {
          events: [
            { type: 'invoice.paid', data: {} },
            { type: 'nope', data: {} },
          ],
        },
      });
      assert.equal(bad.status, 422);
      const good = await call(target, 'POST', '/api/v1/events/batch', {
        headers: key,
        body: {
          events: [
            { type: 'invoice.paid', data: {} },
            { type: 'invoice.status_changed', data: {} },
          ],
        },
      });
      assert.equal(good.status, 202, good.text);
      assert.deepEqual(
        good.body.events.map((event: { deliveries: number }) => event.deliveries),
        [2, 2],
      );
      await receiver.waitFor((list) => list.length === before + 4, 20_000);
    });

    it('fans one event out to 16 endpoints and takes a batch of 120 keyed events, within every store’s limits', async () => {
      const wide = await call(target, 'POST', '/api/v1/tenants', { headers: admin, body: { name: 'Wide' } });
      for (let index = 0; index < 16; index++) {
        const created = await call(target, 'POST', '/api/v1/admin/webhooks', {
          headers: admin,
          body: { tenant_id: wide.body.tenant_id, url: `${receiver.url}/wide/${index}`, events: ['invoice.cancelled'] },
        });
        assert.equal(created.status, 201, created.text);
      }
      const key = { authorization: wide.body.api_key };
      const published = await call(target, 'POST', '/api/v1/events', { headers: key, body: { type: 'invoice.cancelled', data: {} } });
      assert.equal(published.status, 202, published.text);
      assert.equal(published.body.deliveries, 16);
      await receiver.waitFor(() => receiver.received.filter((request) => request.path.startsWith('/wide/')).length === 16, 30_000);
      const lookedUp = await eventually(
        async () => {
          const event = await call(target, 'GET', `/api/v1/admin/events/${published.body.event_id}`, { headers: admin });
          return event.body.deliveries?.every((delivery: { attempts: unknown[] }) => delivery.attempts.length === 1) ? event : undefined;
        },
        20_000,
        'every attempt of the event is recorded',
        100,
      );
      assert.equal(lookedUp.body.deliveries.length, 16, 'the event lookup answers every endpoint it fanned out to');

      const events = Array.from({ length: 120 }, (_, index) => ({ type: 'message.sent', data: { n: index }, idempotency_key: `k-${index}` }));
      const first = await call(target, 'POST', '/api/v1/events/batch', { headers: key, body: { events } });
      assert.equal(first.status, 202, first.text);
      const again = await call(target, 'POST', '/api/v1/events/batch', { headers: key, body: { events } });
      assert.equal(again.status, 202, again.text);
      const ids = (response: typeof first) => response.body.events.map((event: { event_id: string }) => event.event_id);
      assert.equal(new Set(ids(first)).size, 120);
      assert.deepEqual(ids(again), ids(first), 'the same keys answer with the same events');
    });
  });
}
