import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Queue, Worker } from 'bullmq';
import { request } from 'undici/index.js';

/**
 * The peer the bench runs the same workload through: what a Node team would write instead of
 * hookgate, BullMQ on Redis. An HTTP endpoint (`POST /api/v1/events`, answers 202 once the job is
 * in Redis) and a BullMQ worker that builds the same envelope, signs it Standard-Webhooks style
 * (HMAC-SHA256 with node:crypto) and POSTs it with undici.request to the job's URL, at the bench's
 * concurrency; completed jobs are kept (`removeOnComplete: false`, BullMQ's default), as hookgate
 * keeps its attempts. Role `fill` adds BENCH_FILL jobs (a backlog, in bulk) and exits.
 * Env: BENCH_REDIS_PORT, BENCH_ROLE (api | worker | all | fill), BENCH_TARGETS (the
 * receiver URLs, comma-separated: event n goes to target n mod count), BENCH_CONCURRENCY, BENCH_QUEUE, PORT.
 */
const connection = { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT) };
const role = process.env.BENCH_ROLE ?? 'all';
const targets = (process.env.BENCH_TARGETS ?? '').split(',').filter(Boolean);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const secret = randomBytes(24);
const QUEUE = process.env.BENCH_QUEUE ?? 'webhooks';

interface Job {
  url: string;
  eventId: string;
  type: string;
  data: unknown;
}

const queue = new Queue<Job>(QUEUE, { connection });
let accepted = 0;
const JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 1000 } };

if (role === 'fill') {
  const pad = 'x'.repeat(216);
  const count = Number(process.env.BENCH_FILL);
  for (let start = 0; start < count; start += 1000) {
    const jobs = Array.from({ length: Math.min(1000, count - start) }, (_, index) => {
      const seq = 200_000_000 + start + index;
      return { name: 'deliver', data: { url: targets[seq % targets.length]!, eventId: `evt_${randomUUID()}`, type: 'invoice.created', data: { seq, pad } }, opts: JOB_OPTIONS };
    });
    await queue.addBulk(jobs);
  }
  await queue.close();
  process.stdout.write('filled\n');
  process.exit(0);
}

if (role !== 'worker') {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return void res.writeHead(200).end('ok');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', async () => {
      try {
        const event = JSON.parse(body) as { type: string; data: unknown };
        const url = targets[accepted++ % targets.length]!;
        const eventId = `evt_${randomUUID()}`;
        await queue.add('deliver', { url, eventId, type: event.type, data: event.data }, JOB_OPTIONS);
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ event_id: eventId }));
      } catch (error) {
        res.writeHead(400).end((error as Error).message);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));
}

let worker: Worker<Job> | null = null;
if (role !== 'api') {
  worker = new Worker<Job>(
    QUEUE,
    async (job) => {
      const { url, eventId, type, data } = job.data;
      const body = JSON.stringify({ event_id: eventId, event_type: type, timestamp: new Date().toISOString(), data });
      const id = `msg_${job.id}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
        body,
      });
      await response.body.text();
      if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`receiver answered HTTP ${response.statusCode}`);
    },
    // Completed jobs are kept: BullMQ's default (removeOnComplete unset).
    { connection, concurrency },
  );
  await worker.waitUntilReady();
}
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker?.close(true);
  await queue.close();
  process.exit(0);
});
