import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

const EVENTS = 2000;
const BATCH = 50;

describe('crash safety: SIGKILL in the middle of delivering', () => {
  let receiver: Receiver;
  let server: RunningServer;
  const env = { HOOKGATE_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1', HOOKGATE_SWEEP_CRON: '* * * * * *', HOOKGATE_ATTEMPT_TIMEOUT_MS: '2000' };

  before(async () => {
    receiver = await startReceiver((_request, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 2);
    });
  });
  after(async () => {
    await server?.kill();
    await receiver.close();
  });

  it('delivers every accepted event at least once across two kills, and counts duplicates', async () => {
    server = await startServer(env);
    const tenant = await createTenant(server, 'Crashy');
    await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/hook` } });
    const accepted = new Set<string>();

    const publishUntilKilled = async (count: number) => {
      for (let sent = 0; sent < count; sent += BATCH) {
        const events = Array.from({ length: BATCH }, (_, index) => ({ type: 'invoice.created', data: { n: sent + index } }));
        try {
          const response = await call(server, 'POST', '/api/v1/events/batch', { headers: { authorization: tenant.apiKey }, body: { events } });
          if (response.status !== 202) return;
          for (const event of response.body.events) accepted.add(event.event_id);
        } catch {
          return; // the server died under us: whatever was not answered with 202 was not accepted
        }
      }
    };

    for (let round = 0; round < 2; round++) {
      const killAt = receiver.received.length + 300;
      const publishing = publishUntilKilled(EVENTS / 2);
      await receiver.waitFor((received) => received.length >= killAt, 20_000);
      await server.kill();
      await publishing;
      server = await startServer(env, server.dataDir);
    }

    const delivered = () => new Set(receiver.received.map((request) => request.json?.event_id as string));
    await receiver.waitFor(() => [...accepted].every((id) => delivered().has(id)), 30_000);
    const duplicates = receiver.received.length - delivered().size;
    console.log(`# crash safety: ${accepted.size} events accepted, ${delivered().size} delivered, ${duplicates} duplicate deliveries after 2 SIGKILLs`);
    assert.ok(accepted.size >= 600, `enough events were accepted (${accepted.size})`);

    await server.stop();
    assert.deepEqual(queryStore(server.dbPath, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
    const stuck = queryStore(server.dbPath, "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")[0].n;
    assert.equal(stuck, 0, 'no delivery is left pending or leased');
  });
});
