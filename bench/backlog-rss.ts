import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createBenchTenant, freshDataDir, removeDataDirs, SMALL_HEAP_FLAGS, startHookgate } from './lib/hookgate.ts';
import { clock } from './lib/load.ts';
import { ensureClientFlags, pinSelf } from './lib/processes.ts';
import { startReceiver } from './lib/receiver.ts';
import { round } from './lib/stats.ts';

/**
 * Memory with a large backlog (issue 26 item 5): a store holding `--deliveries` pending deliveries
 * (an event fanned out to ten endpoints per ten deliveries, written by bulk inserts straight into
 * the file), then a `HOOKGATE_ROLE=worker` Node server with the recommended heap flags draining it
 * to the receiver for `--seconds`; its resident set is sampled every 250 ms. Beside it, the same
 * server over the same store with nothing due (the backlog moved a day ahead), so the backlog's own
 * share shows. Prints peak RSS of both and the rate drained, for the TypeScript sources (what `npm
 * start` and the container image run: Node strips their types as it loads them) and for the compiled
 * build (dist/node, what an installed package's `hookgate serve` runs; built first with `npm run
 * build`). The compiled build's drain comes second: its backlog is what the first one left pending.
 *   node bench/backlog-rss.ts [--deliveries 1000000] [--seconds 20] [--build sources|compiled|both]
 */
ensureClientFlags();
const { values: options } = parseArgs({
  options: { deliveries: { type: 'string', default: '1000000' }, seconds: { type: 'string', default: '20' }, build: { type: 'string', default: 'both' } },
});
if (!['sources', 'compiled', 'both'].includes(options.build)) throw new Error('--build is sources, compiled or both');
const builds = options.build === 'both' ? ['sources', 'compiled'] : [options.build];
const total = Number(options.deliveries);
const seconds = Number(options.seconds);
pinSelf();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const receiver = await startReceiver();
try {
  const dataDir = freshDataDir();
  const api = await startHookgate({ runtime: 'node', role: 'api', dataDir, nodeFlags: [...SMALL_HEAP_FLAGS] });
  const tenant = await createBenchTenant(api, receiver.ports, 10);
  await api.process.stop();
  const db = new Database(join(dataDir, 'hookgate.db'));
  const endpoints = (db.prepare('SELECT id FROM endpoints WHERE tenant_id = ? ORDER BY id').all(tenant.id) as { id: string }[]).map((row) => row.id);
  const built = clock();
  const now = Date.now();
  const later = now + 86_400_000;
  const insertEvent = db.prepare(
    `INSERT INTO events (id, tenant_id, type, requested_type, data, delivery_count, occurred_at, created_at) VALUES (?, ?, 'invoice.created', 'invoice.created', ?, ?, ?, ?)`,
  );
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (event_id, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
  );
  const pad = 'x'.repeat(216);
  const events = Math.ceil(total / endpoints.length);
  for (let start = 0; start < events; start += 10_000) {
    db.transaction(() => {
      for (let n = start; n < Math.min(events, start + 10_000); n++) {
        const eventId = `evt_backlog${String(n).padStart(13, '0')}`;
        insertEvent.run(eventId, tenant.id, `{"seq":${400_000_000 + n},"pad":"${pad}"}`, endpoints.length, now, now);
        for (const [index, endpointId] of endpoints.entries()) insertDelivery.run(eventId, endpointId, `msg_backlog${n}_${index}`, later, now, now);
      }
    })();
  }
  const buildSeconds = (clock() - built) / 1000;
  db.close();

  const pendingNow = () => {
    const store = new Database(join(dataDir, 'hookgate.db'), { readonly: true });
    const { pending } = store.prepare(`SELECT count(*) AS pending FROM deliveries WHERE status = 'pending'`).get() as { pending: number };
    store.close();
    return pending;
  };
  const run = async (label: string, build: string) => {
    const pending = pendingNow();
    const worker = await startHookgate({
      runtime: 'node',
      role: 'worker',
      dataDir,
      nodeFlags: [...SMALL_HEAP_FLAGS],
      compiled: build === 'compiled',
      env: { HOOKGATE_SWEEP_CRON: '* * * * * *' },
    });
    const before = await receiver.total();
    let peak = 0;
    const started = clock();
    while (clock() - started < seconds * 1000) {
      peak = Math.max(peak, worker.process.rss() ?? 0);
      await sleep(250);
    }
    const delivered = (await receiver.total()) - before;
    const hwm = worker.process.peakRss() ?? 0;
    await worker.process.stop();
    return { build, label, pending, peakRssMb: round(peak / 1024 / 1024), vmHwmMb: round(hwm / 1024 / 1024), perSecond: Math.round(delivered / seconds) };
  };
  const idle = [];
  for (const build of builds) idle.push(await run('nothing due', build));
  const due = new Database(join(dataDir, 'hookgate.db'));
  due.prepare(`UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'`).run(Date.now());
  due.close();
  const draining = [];
  for (const build of builds) draining.push(await run('due', build));
  process.stdout.write(`${JSON.stringify({ deliveries: total, buildSeconds: round(buildSeconds), idle, draining, loadAverage: loadavg().map((value) => round(value, 2)) })}\n`);
} finally {
  await receiver.stop();
  removeDataDirs();
}
