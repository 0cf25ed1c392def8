import { request } from 'undici/index.js'; // the package itself (on Bun, bare `undici` is Bun's stand-in)

/**
 * The delivery baseline: a raw keep-alive POST loop to the bench receiver, with `concurrency`
 * requests in flight, for `durationMs`; prints `{"count":n,"durationMs":d,"cpuMicros":µs per request}`. Transport `undici`
 * (undici.request, hookgate's transport on Node and Bun) or `fetch` (the global fetch: undici's
 * fetch on Node, Bun's own on Bun); the bench takes the faster as the delivery baseline. Env: BENCH_URL, BENCH_TRANSPORT, BENCH_CONCURRENCY, BENCH_DURATION_MS, BENCH_BODY.
 */
const url = process.env.BENCH_URL!;
const transport = process.env.BENCH_TRANSPORT ?? 'undici';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 5000);
const body = process.env.BENCH_BODY ?? '{}';
const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_baseline', 'webhook-timestamp': '0', 'webhook-signature': 'v1,baseline' };

const post =
  transport === 'fetch'
    ? async () => {
        const response = await fetch(url, { method: 'POST', headers, body });
        await response.text();
        return response.status;
      }
    : async () => {
        const response = await request(url, { method: 'POST', headers, body });
        await response.body.text();
        return response.statusCode;
      };

let count = 0;
let failed = 0;
const cpuStart = process.cpuUsage();
const started = performance.now();
const deadline = started + durationMs;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const status = await post().catch(() => 0);
      if (status === 200) count++;
      else failed++;
    }
  }),
);
const { user, system } = process.cpuUsage(cpuStart);
process.stdout.write(`${JSON.stringify({ count, failed, durationMs: performance.now() - started, cpuMicros: Math.round((user + system) / Math.max(1, count)) })}\n`);
process.exit(0);
