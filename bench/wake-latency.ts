import { parseArgs } from 'node:util';
import { startPostgres } from '../test/support/postgres.ts';
import { startReceiver } from '../test/support/receiver.ts';
import { call, createTenant, startServer } from '../test/support/server.ts';
import { distribution, formatDistribution, roundedDistribution } from './lib/stats.ts';

/**
 * The end-to-end latency when the api and the workers are separate processes over one Postgres:
 * a throwaway cluster, one `api` and `--workers` `worker` processes (sweep every second), one
 * endpoint on a receiver of 127.0.0.1. Events are published one at a time, `--gap` ms apart (not a
 * divisor of the sweep's second, so they land at every point of it); prints the time from each 202
 * to the receipt of its delivery.
 *   node bench/wake-latency.ts [--events 100] [--gap 137] [--workers 1]
 */
const { values: options } = parseArgs({
  options: { events: { type: 'string', default: '100' }, gap: { type: 'string', default: '137' }, workers: { type: 'string', default: '1' } },
});
const cluster = await startPostgres();
const receiver = await startReceiver();
const env = { DATABASE_URL: await cluster.createDatabase(), HOOKGATE_SWEEP_CRON: '* * * * * *', HOOKGATE_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' };
const api = await startServer({ ...env, HOOKGATE_ROLE: 'api', LOG_LEVEL: 'info' });
const workers = [];
for (let index = 0; index < Number(options.workers); index++) workers.push(await startServer({ ...env, HOOKGATE_ROLE: 'worker', LOG_LEVEL: 'info' }));
try {
  const tenant = await createTenant(api, 'Latency');
  await call(api, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: `${receiver.url}/latency` } });
  const accepted = new Map<number, number>();
  for (let n = 0; n < Number(options.events); n++) {
    const published = await call(api, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n } } });
    if (published.status !== 202) throw new Error(`publish: ${published.status} ${published.text}`);
    accepted.set(n, Date.now());
    await new Promise((resolve) => setTimeout(resolve, Number(options.gap)));
  }
  const received = await receiver.waitFor((requests) => requests.length >= accepted.size, 30_000);
  const latencies = received.map((request) => request.at - accepted.get(request.json.data.n)!);
  console.log(
    `${accepted.size} events, 1 api + ${workers.length} worker process(es), sweep every second: from the 202 to receipt ${formatDistribution(roundedDistribution(distribution(latencies)))}`,
  );
} finally {
  await Promise.all([api, ...workers].map((server) => server.kill()));
  await receiver.close();
  await cluster.stop();
}
