import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ConsoleClient } from './support/console-client.ts';
import { type Received, type Receiver, startReceiver } from './support/receiver.ts';
import { call, createAs2Partner, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const ADMIN = { user: 'ops', password: 'correct-horse-battery-staple' };

/** The verifier docs/delivery.md gives receivers of pages 000 and 003: any listed signature will do. */
function verifyXWebhookSignature(header: string, rawBody: string, secret: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('hex'));
  return header.split(',').some((part) => {
    const [scheme, hex = ''] = part.trim().split('=', 2);
    const given = Buffer.from(hex);
    return scheme === 'sha256' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const hexHmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const headersOf = (request: Received) => Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));

describe('secret rotation on pages 000 and 003: both secrets sign X-Webhook-Signature during the grace', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let client: ConsoleClient;
  let apiKey: string;
  let partnerId: number;
  const endpoints: Record<'sponsor' | 'as2', { id: string; oldSecret: string; newSecret?: string }> = {} as never;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ HOOKGATE_ADMIN_USER: ADMIN.user, HOOKGATE_ADMIN_PASSWORD: ADMIN.password });
    const tenant = await createTenant(server, 'Rotating');
    apiKey = tenant.apiKey;
    partnerId = await createAs2Partner(server, tenant.id, 'Initech');
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: apiKey }, body: { url: `${receiver.url}/sponsor` } });
    assert.equal(sponsor.status, 201);
    endpoints.sponsor = { id: sponsor.body.webhook_id, oldSecret: sponsor.body.secret };
    const as2 = await call(server, 'POST', '/api/v1/webhooks/configure', {
      headers: { 'x-api-key': apiKey },
      body: { partner_id: partnerId, webhook_url: `${receiver.url}/as2`, webhook_secret: 'as2-secret-before-rotation' },
    });
    assert.equal(as2.status, 200, as2.text);
    const [row] = queryStore(server.dbPath, "SELECT id FROM endpoints WHERE surface = 'as2'");
    endpoints.as2 = { id: row.id, oldSecret: 'as2-secret-before-rotation' };
    client = new ConsoleClient(server.url);
    assert.equal((await client.signIn(ADMIN)).status, 303);
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('asks for confirmation first: the endpoint page links to a confirmation, and a post without it rotates nothing', async () => {
    const { id } = endpoints.sponsor;
    const endpointPage = await client.get(`/console/endpoints/${id}`);
    assert.match(endpointPage.html, new RegExp(`<a class="button" href="/console/endpoints/${id}/rotate-secret">Rotate secret…</a>`));
    const storedBefore = queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', id);

    const unconfirmed = await client.post(`/console/endpoints/${id}/rotate-secret`, { _csrf: await client.csrfOf(`/console/endpoints/${id}`) });
    assert.equal(unconfirmed.status, 303);
    assert.equal(unconfirmed.location, `/console/endpoints/${id}/rotate-secret`);
    assert.deepEqual(queryStore(server.dbPath, 'SELECT secret_enc FROM endpoints WHERE id = ?', id), storedBefore, 'nothing rotated');

    const confirmation = await client.get(`/console/endpoints/${id}/rotate-secret`);
    assert.equal(confirmation.status, 200);
    assert.match(confirmation.html, /Rotate the signing secret of/);
    assert.match(confirmation.html, /keeps signing\s+alongside it until about/);
    assert.match(confirmation.html, /name="confirm" value="rotate"/);
    assert.doesNotMatch(confirmation.html, /id="new-secret"/);
  });

  it('rotates once confirmed, showing the new secret once, in the surface’s hex format', async () => {
    for (const endpoint of Object.values(endpoints)) {
      const csrf = await client.csrfOf(`/console/endpoints/${endpoint.id}/rotate-secret`);
      const rotated = await client.post(`/console/endpoints/${endpoint.id}/rotate-secret`, { _csrf: csrf, confirm: 'rotate' });
      assert.equal(rotated.status, 200);
      endpoint.newSecret = /<code id="new-secret">([^<]+)<\/code>/.exec(rotated.html)![1]!;
      assert.match(endpoint.newSecret, /^[0-9a-f]{64}$/);
    }
  });

  it('signs X-Webhook-Signature with the new secret, then the old one, so receivers holding either verify', async () => {
    const published = [
      await call(server, 'POST', '/api/v1/events', { headers: { authorization: apiKey }, body: { type: 'invoice.created', data: { invoice_id: 'inv_r' } } }),
      await call(server, 'POST', '/api/v1/events', { headers: { authorization: apiKey }, body: { type: 'message.received', partner_id: partnerId, data: {} } }),
    ];
    for (const response of published) assert.equal(response.status, 202, response.text);
    await receiver.waitFor((received) => received.some((r) => r.path === '/sponsor') && received.some((r) => r.path === '/as2'));

    for (const [surface, endpoint] of Object.entries(endpoints)) {
      const request = receiver.received.find((r) => r.path === `/${surface}`)!;
      const header = String(request.headers['x-webhook-signature']);
      assert.equal(header, `sha256=${hexHmac(endpoint.newSecret!, request.body)},sha256=${hexHmac(endpoint.oldSecret, request.body)}`, surface);
      assert.ok(verifyXWebhookSignature(header, request.body, endpoint.oldSecret), `${surface}: a receiver still on the old secret accepts`);
      assert.ok(verifyXWebhookSignature(header, request.body, endpoint.newSecret!), `${surface}: a receiver on the new secret accepts`);
      assert.ok(!verifyXWebhookSignature(header, request.body, 'some-other-secret'), `${surface}: any other secret is refused`);
      for (const secret of [endpoint.newSecret!, endpoint.oldSecret]) {
        assert.doesNotThrow(() => new Webhook(Buffer.from(secret).toString('base64')).verify(request.body, headersOf(request)), `${surface}: webhook-signature too`);
      }
    }
  });
});
