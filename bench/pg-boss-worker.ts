import { createHmac } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import { Pool } from 'undici';

/**
 * The peer of `npm run bench -- --store postgres`: what a Node team would write with pg-boss instead
 * of hookgate. One process works the BENCH_QUEUE queue of BENCH_DATABASE_URL with BENCH_CONCURRENCY
 * jobs in flight (8 local workers fetching 8 jobs each), and for each job signs the body (HMAC-SHA256,
 * as hookgate signs) and POSTs it with undici to the job's URL; a non-2xx answer fails the job.
 * Prints `{"ready":true}` once it works the queue; stops on SIGTERM.
 */
const url = process.env.BENCH_DATABASE_URL!;
const queue = process.env.BENCH_QUEUE ?? 'deliveries';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const SECRET = 'bench-signing-secret';
const workers = 8;

const pools = new Map<string, Pool>();
const poolOf = (origin: string) => {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: Math.ceil(concurrency / 2), pipelining: 1 });
    pools.set(origin, pool);
  }
  return pool;
};

interface Job {
  url: string;
  body: string;
}

async function send(job: Job): Promise<void> {
  const target = new URL(job.url);
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', SECRET).update(`${timestamp}.${job.body}`).digest('base64');
  const response = await poolOf(target.origin).request({
    method: 'POST',
    path: target.pathname,
    headers: { 'content-type': 'application/json', 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
    body: job.body,
  });
  await response.body.dump();
  if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`status ${response.statusCode}`);
}

const boss = new PgBoss({ connectionString: url, max: 10 });
boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
await boss.start();
await boss.work<Job>(
  queue,
  { localConcurrency: workers, batchSize: Math.max(1, Math.floor(concurrency / workers)), pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
  async (jobs) => {
    await Promise.all(jobs.map((job) => send(job.data)));
  },
);
process.stdout.write('{"ready":true}\n');
process.on('SIGTERM', () => {
  void boss.stop({ graceful: false }).finally(() => process.exit(0));
});
