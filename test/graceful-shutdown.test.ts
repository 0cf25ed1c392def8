import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

describe('graceful shutdown on SIGTERM', () => {
  let server: RunningServer;
  let receiver: Receiver;

  before(async () => {
    receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 1500);
    });
    server = await startServer({ HOOKGATE_ENDPOINT_CONCURRENCY: '2', HOOKGATE_SWEEP_CRON: '*/30 * * * * *' });
  });
  after(() => receiver.close());

  it('lets in-flight attempts finish, releases the leases of the rest, and exits 0', async () => {
    const tenant = await createTenant(server, 'Draining');
    await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/slow` } });
    const events = Array.from({ length: 6 }, (_, n) => ({ type: 'invoice.created', data: { n } }));
    assert.equal((await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } })).status, 202);
    await receiver.waitFor((received) => received.length === 2, 5000);

    const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
    server.process.kill('SIGTERM');
    assert.equal(await exited, 0);

    const rows = queryStore(server.dbPath, 'SELECT status, lease_owner, next_attempt_at FROM deliveries ORDER BY id');
    assert.equal(rows.filter((row) => row.status === 'succeeded').length, 2, 'the two in-flight attempts finished and were recorded');
    const left = rows.filter((row) => row.status === 'pending');
    assert.equal(left.length, 4);
    for (const row of left) {
      assert.equal(row.lease_owner, null, 'released');
      assert.ok(row.next_attempt_at <= Date.now(), 'due at once for the next process');
    }
    assert.equal(receiver.received.length, 2, 'nothing new was sent after SIGTERM');
  });
});
