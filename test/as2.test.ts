import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { call, createAs2Partner, createTenant, type JsonResponse, type RunningServer, startServer } from './support/server.ts';

const BASE = '/api/v1/webhooks';
const SECRET = 'my_secret';
const ALIAS_SECRET = 'otro-secreto-compartido-8d1f';

describe('legacy AS2 partner webhook API (page 003, /api/v1/webhooks)', () => {
  let server: RunningServer;
  let receiver: Server;
  let receiverUrl: string;
  let tenant: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  const seen: string[] = [];
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  /** POSTs to an AS2 path with tenant A's key (unless told otherwise) and keeps every answer for the secret check. */
  async function post(path: string, body: unknown, headers: Record<string, string> = auth(tenant.apiKey)): Promise<JsonResponse> {
    const response = await call(server, 'POST', `${BASE}${path}`, { body, headers });
    seen.push(response.text);
    return response;
  }

  const partner = (name = 'Partner') => createAs2Partner(server, tenant.id, name);
  const configured = async (extra: Record<string, unknown> = {}) => {
    const id = await partner();
    const response = await post('/configure', { partner_id: id, webhook_url: `${receiverUrl}/ok`, webhook_secret: SECRET, ...extra });
    assert.equal(response.status, 200, response.text);
    return id;
  };
  const error = (msg: string) => ({ status: 'error', msg });

  before(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(request.url === '/ok' ? 200 : 500).end('{}'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // A small body limit keeps the oversize case small enough that the client finishes sending it
    // before the 413 closes the connection (a 2 MB upload raced the close with EPIPE on a busy machine).
    server = await startServer({ HOOKGATE_MAX_BODY_BYTES: '65536' });
    tenant = await createTenant(server, 'Site A');
    other = await createTenant(server, 'Site B');
  });
  after(async () => {
    await server.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('accepts the page’s Python example verbatim and answers exactly its response', async () => {
    const id = await partner('Example');
    const response = await post('/configure', {
      partner_id: id,
      webhook_url: 'https://myapp.com/webhook/as2',
      webhook_secret: 'my_secret',
      webhook_enabled: true,
      webhook_events: ['message.received', 'mdn.received'],
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'success', msg: 'Webhook configured' });
  });

  it('/get returns the persisted configuration in both languages, never the secret', async () => {
    const id = await configured({ webhook_events: ['message.received', 'mdn.received'] });
    const response = await post('/get', { partner_id: id });
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'success');
    const { created_at, updated_at, ...data } = response.body.data;
    assert.deepEqual(data, {
      partner_id: id,
      webhook_url: `${receiverUrl}/ok`,
      webhook_enabled: true,
      webhook_events: ['message.received', 'mdn.received'],
      webhook_eventos: ['mensaje.recibido', 'mdn.recibido'],
      webhook_activo: true,
      disabled_reason: null,
      has_secret: true,
    });
    assert.ok(!Number.isNaN(Date.parse(created_at)) && !Number.isNaN(Date.parse(updated_at)));
    assert.ok(!response.text.includes(SECRET));
  });

  it('accepts every Spanish alias and Spanish event names, storing canonical names', async () => {
    const id = await partner();
    const response = await post('/configure', {
      socio_id: id,
      webhook_url: `${receiverUrl}/ok`,
      webhook_secret: ALIAS_SECRET,
      webhook_activo: false,
      webhook_eventos: ['envio.error', 'mensaje.enviado', 'send.error'],
    });
    assert.deepEqual(response.body, { status: 'success', msg: 'Webhook configured' });
    const fetched = await post('/get', { socio_id: id });
    assert.equal(fetched.body.data.webhook_enabled, false);
    assert.equal(fetched.body.data.webhook_activo, false);
    assert.deepEqual(fetched.body.data.webhook_events, ['send.error', 'message.sent']);
    assert.deepEqual(fetched.body.data.webhook_eventos, ['envio.error', 'mensaje.enviado']);
  });

  it('prefers the English field when both it and its alias are sent', async () => {
    const id = await configured();
    await post('/configure', { partner_id: id, webhook_enabled: true, webhook_activo: false, webhook_events: ['mdn.received'], webhook_eventos: ['envio.error'] });
    const data = (await post('/get', { partner_id: id })).body.data;
    assert.equal(data.webhook_enabled, true);
    assert.deepEqual(data.webhook_events, ['mdn.received']);
  });

  it('accepts partner_id as a digit string, and 1/0 for webhook_activo', async () => {
    const id = await configured();
    assert.equal((await post('/configure', { partner_id: String(id), webhook_activo: 0 })).status, 200);
    assert.equal((await post('/get', { socio_id: String(id) })).body.data.webhook_enabled, false);
    assert.equal((await post('/configure', { socio_id: String(id), webhook_activo: 1 })).status, 200);
    assert.equal((await post('/get', { partner_id: id })).body.data.webhook_activo, true);
  });

  it('a re-configure changes only the fields given', async () => {
    const id = await configured({ webhook_events: ['message.sent'] });
    const before = (await post('/get', { partner_id: id })).body.data;
    await new Promise((resolve) => setTimeout(resolve, 5)); // the clock moves on, so updated_at can grow
    assert.equal((await post('/configure', { partner_id: id, webhook_enabled: false })).status, 200);
    const afterToggle = (await post('/get', { partner_id: id })).body.data;
    assert.deepEqual({ ...afterToggle, webhook_enabled: true, webhook_activo: true, updated_at: before.updated_at }, before);
    assert.ok(afterToggle.updated_at > before.updated_at);

    await post('/configure', { partner_id: id, webhook_url: 'https://new.example.com/as2' });
    const afterUrl = (await post('/get', { partner_id: id })).body.data;
    assert.equal(afterUrl.webhook_url, 'https://new.example.com/as2');
    assert.equal(afterUrl.webhook_enabled, false);
    assert.deepEqual(afterUrl.webhook_events, ['message.sent']);
  });

  it('an empty or null event list subscribes to every AS2 event', async () => {
    const id = await configured({ webhook_events: [] });
    const all = ['message.received', 'message.sent', 'mdn.received', 'send.error'];
    assert.deepEqual((await post('/get', { partner_id: id })).body.data.webhook_events, all);
    await post('/configure', { partner_id: id, webhook_events: ['mdn.recibido'] });
    await post('/configure', { partner_id: id, webhook_eventos: null });
    const data = (await post('/get', { partner_id: id })).body.data;
    assert.deepEqual(data.webhook_events, all);
    assert.deepEqual(data.webhook_eventos, ['mensaje.recibido', 'mensaje.enviado', 'mdn.recibido', 'envio.error']);
  });

  it('ignores unknown body fields', async () => {
    const id = await partner();
    const response = await post('/configure', { partner_id: id, webhook_url: `${receiverUrl}/ok`, webhook_secret: SECRET, sitio: 'x', extra: [1] });
    assert.deepEqual(response.body, { status: 'success', msg: 'Webhook configured' });
  });

  it('answers a missing partner id with 400 "Campo requerido: socio_id" on every endpoint', async () => {
    for (const path of ['/configure', '/get', '/test', '/logs']) {
      for (const body of [{}, { partner_id: null }, { socio_id: '' }, { webhook_url: 'https://a.example.com' }]) {
        const response = await post(path, body);
        assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
        assert.deepEqual(response.body, error('Campo requerido: socio_id'));
      }
    }
  });

  it('answers a malformed partner id with 400 "Campo inválido: socio_id"', async () => {
    for (const value of [-1, 0, 1.5, 'abc', '12a', true, [1], { id: 1 }, '99999999999999999999']) {
      const response = await post('/get', { partner_id: value });
      assert.equal(response.status, 400, JSON.stringify(value));
      assert.deepEqual(response.body, error('Campo inválido: socio_id'));
    }
  });

  it('answers an unknown partner with 404 "Socio no encontrado" on every endpoint', async () => {
    for (const path of ['/configure', '/get', '/test', '/logs']) {
      const response = await post(path, { partner_id: 987654, webhook_url: 'https://a.example.com', webhook_secret: 'x' });
      assert.equal(response.status, 404, path);
      assert.deepEqual(response.body, error('Socio no encontrado'));
    }
  });

  it('requires webhook_url and webhook_secret on the first configure, and stores nothing without them', async () => {
    const id = await partner();
    const noUrl = await post('/configure', { partner_id: id, webhook_secret: SECRET });
    assert.equal(noUrl.status, 400);
    assert.deepEqual(noUrl.body, error('Campo requerido: webhook_url'));
    const noSecret = await post('/configure', { partner_id: id, webhook_url: 'https://a.example.com/x' });
    assert.equal(noSecret.status, 400);
    assert.deepEqual(noSecret.body, error('Campo requerido: webhook_secret'));
    const fetched = await post('/get', { partner_id: id });
    assert.equal(fetched.status, 404);
    assert.deepEqual(fetched.body, error('Webhook no configurado'));
  });

  it('answers an unknown event, in either language, with 400 "Evento no válido: <name>"', async () => {
    const id = await configured();
    for (const [field, name] of [
      ['webhook_events', 'message.exploded'],
      ['webhook_eventos', 'mensaje.perdido'],
      ['webhook_events', 'invoice.created'],
    ] as const) {
      const response = await post('/configure', { partner_id: id, [field]: ['message.received', name] });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, error(`Evento no válido: ${name}`));
    }
    assert.deepEqual((await post('/get', { partner_id: id })).body.data.webhook_events.length, 4, 'nothing changed');
  });

  it('answers wrong-typed or unacceptable fields with 400 "Campo inválido: <field>"', async () => {
    const id = await configured();
    const cases: [Record<string, unknown>, string][] = [
      [{ webhook_url: 'not a url' }, 'webhook_url'],
      [{ webhook_url: 'ftp://a.example.com/x' }, 'webhook_url'],
      [{ webhook_url: 42 }, 'webhook_url'],
      [{ webhook_url: '' }, 'webhook_url'],
      [{ webhook_secret: '' }, 'webhook_secret'],
      [{ webhook_enabled: 'yes' }, 'webhook_enabled'],
      [{ webhook_activo: 2 }, 'webhook_enabled'],
      [{ webhook_events: 'message.received' }, 'webhook_events'],
      [{ webhook_events: [42] }, 'webhook_events.0'],
    ];
    for (const [fields, name] of cases) {
      const response = await post('/configure', { partner_id: id, ...fields });
      assert.equal(response.status, 400, JSON.stringify(fields));
      assert.deepEqual(response.body, error(`Campo inválido: ${name}`));
    }
  });

  it('answers malformed JSON, a non-object body, a wrong content type and an oversize body in the AS2 shape', async () => {
    const malformed = await call(server, 'POST', `${BASE}/get`, { raw: '{"partner_id":', headers: { ...auth(tenant.apiKey), 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body, error('JSON inválido'));
    const list = await post('/get', [1]);
    assert.equal(list.status, 400);
    assert.deepEqual(list.body, error('Campo inválido: body'));
    const text = await call(server, 'POST', `${BASE}/get`, { raw: 'partner_id=1', headers: { ...auth(tenant.apiKey), 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
    assert.deepEqual(text.body, error('Content-Type debe ser application/json'));
    const large = await post('/get', { partner_id: 1, padding: 'x'.repeat(100 * 1024) });
    assert.equal(large.status, 413);
    assert.deepEqual(large.body, error('Cuerpo demasiado grande'));
  });

  it('answers 401 "No autorizado" without a valid key', async () => {
    const id = await configured();
    const attempts: Record<string, string>[] = [{}, auth('nope'), { authorization: `${tenant.apiKey}x` }, { 'x-api-key': 'nope' }, { authorization: 'Bearer ' }];
    for (const headers of attempts) {
      const response = await post('/get', { partner_id: id }, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.deepEqual(response.body, error('No autorizado'));
    }
  });

  it('accepts the key as Bearer, raw Authorization or X-API-Key', async () => {
    const id = await configured();
    const placements: Record<string, string>[] = [auth(tenant.apiKey), { authorization: tenant.apiKey }, { 'x-api-key': tenant.apiKey }];
    for (const headers of placements) {
      const response = await post('/get', { partner_id: id }, headers);
      assert.equal(response.status, 200, JSON.stringify(Object.keys(headers)));
      assert.equal(response.body.data.partner_id, id);
    }
  });

  it('answers other methods on the four paths with 405 in the AS2 shape', async () => {
    for (const path of ['/configure', '/get', '/test', '/logs']) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const response = await call(server, method, `${BASE}${path}`, { headers: auth(tenant.apiKey) });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get('allow'), 'POST');
        assert.deepEqual(response.body, error('Método no permitido'));
      }
    }
  });

  it('answers /get, /test and /logs with 404 "Webhook no configurado" before the first configure', async () => {
    const id = await partner();
    for (const path of ['/get', '/test', '/logs']) {
      const response = await post(path, { partner_id: id });
      assert.equal(response.status, 404, path);
      assert.deepEqual(response.body, error('Webhook no configurado'));
    }
  });

  it('refuses to test a disabled webhook with 409 "Webhook no activo"', async () => {
    const id = await configured({ webhook_activo: false });
    const response = await post('/test', { partner_id: id });
    assert.equal(response.status, 409);
    assert.deepEqual(response.body, error('Webhook no activo'));
    const logs = await post('/logs', { partner_id: id });
    assert.equal(logs.body.total, 0, 'no delivery was written');
  });

  // Needs the delivery engine (sendTestEvent → engine.attemptNow).
  it('tests with message.received when no event is configured, answering exactly the page’s shape', async () => {
    const id = await configured();
    const response = await post('/test', { partner_id: id });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, {
      status: 'success',
      http_code: 200,
      requested_event_name: 'mensaje.recibido',
      event_name: 'mensaje.recibido',
      event: 'message.received',
    });
  });

  // Needs the delivery engine.
  it('tests with the first configured event', async () => {
    const id = await configured({ webhook_eventos: ['mdn.recibido', 'mensaje.recibido'] });
    const response = await post('/test', { socio_id: id });
    assert.deepEqual(response.body, { status: 'success', http_code: 200, requested_event_name: 'mdn.recibido', event_name: 'mdn.recibido', event: 'mdn.received' });
  });

  // Needs the delivery engine.
  it('reports a failing receiver as status "error" with its HTTP code and a message, still HTTP 200', async () => {
    const id = await configured({ webhook_url: `${receiverUrl}/fail`, webhook_events: ['send.error'] });
    const response = await post('/test', { partner_id: id });
    assert.equal(response.status, 200);
    const { msg, ...rest } = response.body;
    assert.deepEqual(rest, { status: 'error', http_code: 500, requested_event_name: 'envio.error', event_name: 'envio.error', event: 'send.error' });
    assert.equal(typeof msg, 'string');
    assert.match(msg, /500/);
  });

  // Needs the delivery engine (the deliveries are written by /test).
  it('lists delivery logs newest first with paging', async () => {
    const id = await configured({ webhook_events: ['message.sent'] });
    const empty = await post('/logs', { partner_id: id });
    assert.deepEqual(empty.body, { status: 'success', total: 0, limit: 50, offset: 0, logs: [] });
    await post('/test', { partner_id: id });
    await post('/configure', { partner_id: id, webhook_url: `${receiverUrl}/fail` });
    await post('/test', { partner_id: id });

    const all = await post('/logs', { partner_id: id });
    assert.equal(all.status, 200);
    assert.equal(all.body.total, 2);
    assert.equal(all.body.logs.length, 2);
    const [failed, delivered] = all.body.logs;
    assert.deepEqual(Object.keys(delivered).sort(), ['attempts', 'created_at', 'delivered_at', 'error', 'event', 'event_id', 'event_name', 'http_code', 'id', 'status'].sort());
    assert.ok(failed.id > delivered.id, 'newest first');
    assert.equal(delivered.event, 'message.sent');
    assert.equal(delivered.event_name, 'mensaje.enviado');
    assert.equal(delivered.status, 'succeeded');
    assert.equal(delivered.http_code, 200);
    assert.equal(delivered.attempts, 1);
    assert.ok(!Number.isNaN(Date.parse(delivered.delivered_at)));
    assert.equal(failed.http_code, 500);
    assert.notEqual(failed.status, 'succeeded');
    assert.equal(failed.delivered_at, null);

    const page = await post('/logs', { socio_id: String(id), limit: '1', offset: 1 });
    assert.deepEqual([page.body.total, page.body.limit, page.body.offset, page.body.logs.length], [2, 1, 1, 1]);
    assert.equal(page.body.logs[0].id, delivered.id);
    const beyond = await post('/logs', { partner_id: id, offset: 5 });
    assert.deepEqual([beyond.body.total, beyond.body.logs.length], [2, 0]);
  });

  it('refuses /logs limits outside 1..500 and a negative offset', async () => {
    const id = await configured();
    for (const [fields, name] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 501 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ limit: 2.5 }, 'limit'],
      [{ offset: -1 }, 'offset'],
      [{ offset: '-1' }, 'offset'],
    ] as const) {
      const response = await post('/logs', { partner_id: id, ...fields });
      assert.equal(response.status, 400, JSON.stringify(fields));
      assert.deepEqual(response.body, error(`Campo inválido: ${name}`));
    }
    const max = await post('/logs', { partner_id: id, limit: 500 });
    assert.equal(max.status, 200);
    assert.equal(max.body.limit, 500);
  });

  it('keeps sites apart: B’s key on A’s partner answers exactly like a partner that does not exist', async () => {
    const id = await configured({ webhook_events: ['message.received'] });
    const asB = auth(other.apiKey);
    const bodies = { '/configure': { webhook_url: 'https://evil.example.com/x', webhook_secret: 'stolen', webhook_enabled: false }, '/get': {}, '/test': {}, '/logs': {} };
    for (const [path, extra] of Object.entries(bodies)) {
      const theirs = await post(path, { partner_id: id, ...extra }, asB);
      const missing = await post(path, { partner_id: 987654, ...extra }, asB);
      assert.equal(theirs.status, 404, path);
      assert.deepEqual(theirs.body, error('Socio no encontrado'));
      assert.deepEqual([theirs.status, theirs.body], [missing.status, missing.body], path);
    }
    const mine = (await post('/get', { partner_id: id })).body.data;
    assert.equal(mine.webhook_url, `${receiverUrl}/ok`);
    assert.equal(mine.webhook_enabled, true);
  });

  it('never returns a secret and keeps none in plaintext in the SQLite file', async () => {
    await configured({ webhook_secret: ALIAS_SECRET });
    for (const text of seen) {
      assert.ok(!text.includes(SECRET), 'my_secret never appears in an answer');
      assert.ok(!text.includes(ALIAS_SECRET), 'no secret appears in an answer');
      assert.ok(!text.includes('stolen'));
    }
    const raw = readFileSync(server.dbPath).toString('latin1') + readFileSync(`${server.dbPath}-wal`).toString('latin1');
    assert.ok(!raw.includes(SECRET), 'the SQLite file holds no plaintext secret');
    assert.ok(!raw.includes(ALIAS_SECRET), 'the SQLite file holds no plaintext secret');
  });
});
