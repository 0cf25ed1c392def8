import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startReceiver } from './support/receiver.ts';
import { call, createTenant, startServer } from './support/server.ts';

describe('a fast path without room', () => {
  it('leaves deliveries to a sweep that runs as soon as there is room, not at the next cron tick', async () => {
    const receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 50);
    });
    // Room for 4 queued attempts (4 × HOOKGATE_CONCURRENCY); the cron would sweep only after 30 s.
    const server = await startServer({ HOOKGATE_CONCURRENCY: '1', HOOKGATE_SWEEP_CRON: '*/30 * * * * *' });
    try {
      const tenant = await createTenant(server, 'Crowded');
      await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/crowded` } });
      const events = Array.from({ length: 20 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
      assert.equal((await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } })).status, 202);
      await receiver.waitFor((received) => received.length === 20, 10_000);
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});
