import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';
import { call, createTenant, type RunningServer, startServer } from './support/server.ts';
import { queryStore } from './support/store.ts';

/**
 * HOOKGATE_ROLE splits one store's work over processes: an `api` process only accepts and stores
 * events; a `worker` process over the same SQLite file sweeps and delivers them, and serves only
 * the operator probes.
 */
describe('process roles: api accepts, worker delivers', () => {
  let receiver: Receiver;
  let api: RunningServer;
  let worker: RunningServer | undefined;
  let tenant: { id: string; apiKey: string };

  before(async () => {
    receiver = await startReceiver();
    api = await startServer({ HOOKGATE_ROLE: 'api', HOOKGATE_SWEEP_CRON: '* * * * * *' });
    tenant = await createTenant(api, 'Roles');
    const created = await call(api, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/roles` } });
    assert.equal(created.status, 201);
  });
  after(async () => {
    await worker?.stop();
    await api.stop();
    await receiver.close();
  });

  it('an api process accepts an event and stores its delivery without attempting it', async () => {
    const published = await call(api, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n: 1 } } });
    assert.equal(published.status, 202);
    assert.equal(published.body.deliveries, 1);
    // Two sweeps' worth of time (the cron is set to every second): an `all` process would have delivered by now.
    // A fixed wait: it checks that nothing happens within it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(receiver.received.length, 0);
    const [row] = queryStore(api.dbPath, 'SELECT status, attempt_count FROM deliveries');
    assert.deepEqual({ ...row }, { status: 'pending', attempt_count: 0 });
  });

  it('a worker over the same store delivers it, and answers only the operator probes', async () => {
    worker = await startServer({ HOOKGATE_ROLE: 'worker', HOOKGATE_SWEEP_CRON: '* * * * * *' }, api.dataDir);
    const [request] = await receiver.waitFor((received) => received.length === 1, 15_000);
    assert.equal(request!.path, '/roles');
    assert.deepEqual(request!.json.data, { n: 1 });
    assert.ok(request!.headers['webhook-signature']);
    assert.equal((await call(worker, 'GET', '/health')).status, 200);
    assert.equal((await call(worker, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: {} } })).status, 404);
    // The attempt is recorded once the receiver's answer is back: poll briefly.
    const row = await eventually(
      async () => {
        const stored = { ...queryStore(api.dbPath, 'SELECT status, attempt_count FROM deliveries')[0] };
        return stored.status !== 'pending' ? stored : undefined;
      },
      5000,
      'the attempt is recorded',
      100,
    );
    assert.deepEqual(row, { status: 'succeeded', attempt_count: 1 });
  });

  it('a worker process loads neither the app it does not serve nor the Postgres driver (a smaller resident set)', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'hookgate-modules-')), 'loaded.txt');
    const probe = await startServer({
      HOOKGATE_ROLE: 'worker',
      NODE_OPTIONS: `--import ${join(import.meta.dirname, 'support', 'record-modules.ts')}`,
      RECORD_MODULES_TO: record,
    });
    assert.equal((await call(probe, 'GET', '/ready')).status, 200);
    await probe.stop();
    const loaded = readFileSync(record, 'utf8').split('\n');
    assert.ok(
      loaded.some((url) => url.endsWith('/src/delivery/engine/index.ts')),
      'the recording saw the engine load',
    );
    const unneeded = loaded.filter((url) => /\/src\/(app|console\/index|portal\/index|api\/docs)\.ts$|\/node_modules\/pg\//.test(url));
    assert.deepEqual(unneeded, []);
  });

  it('refuses an unknown role at start-up with a one-line configuration error', async () => {
    await assert.rejects(startServer({ HOOKGATE_ROLE: 'everything' }), /HOOKGATE_ROLE/);
  });
});
