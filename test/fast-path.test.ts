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

  it('sends new deliveries after the ones left in the store for want of room, not ahead of them', async () => {
    const receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 50);
    });
    // An endpoint takes 4 attempts at once and 8 queued (2 × HOOKGATE_ENDPOINT_CONCURRENCY): about 80 a second
    // against a receiver that answers in 50 ms. It is offered more: the rest is left in the store, due now.
    const server = await startServer({ HOOKGATE_CONCURRENCY: '8', HOOKGATE_ENDPOINT_CONCURRENCY: '4', HOOKGATE_SWEEP_CRON: '*/30 * * * * *' });
    try {
      const tenant = await createTenant(server, 'Steady');
      await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/steady` } });
      const total = 120;
      for (let n = 0; n < total; n++) {
        assert.equal((await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n } } })).status, 202);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await receiver.waitFor((received) => received.length === total, 15_000);
      const order = receiver.received.map((request) => request.json.data.n as number);
      // How many later events reached the receiver before each one: about the endpoint's backlog (8) when the work
      // left in the store waits in line; as many as keep coming when new work jumps ahead of it.
      const overtakenBy = order.map((n, index) => order.slice(0, index).filter((earlier) => earlier > n).length);
      assert.ok(Math.max(...overtakenBy) <= 12, `overtaken by up to ${Math.max(...overtakenBy)} later events (arrival order ${order.join(', ')})`);
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});
