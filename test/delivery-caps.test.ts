import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { answer, startReceiver } from './support/receiver.ts';
import { call, createTenant, startServer } from './support/server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the default delivery caps', () => {
  it('keep up to 32 attempts in flight to one endpoint, and no more', async () => {
    const held: ServerResponse[] = [];
    const receiver = await startReceiver((_request, res) => {
      held.push(res);
    });
    const server = await startServer({ HOOKGATE_SWEEP_CRON: '*/30 * * * * *' });
    try {
      const tenant = await createTenant(server, 'Busy');
      await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/busy` } });
      const events = Array.from({ length: 40 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
      assert.equal((await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } })).status, 202);

      await receiver.waitFor((received) => received.length >= 32, 10_000);
      await sleep(300); // a fixed wait: no 33rd request must arrive within it
      assert.equal(receiver.received.length, 32, 'the 33rd attempt waits for one of the 32 to finish');

      receiver.respond = answer(200, 'ok');
      for (const res of held) res.writeHead(200).end('ok');
      await receiver.waitFor((received) => received.length === 40, 10_000);
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});
