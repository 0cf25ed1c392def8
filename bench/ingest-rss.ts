import { parseArgs } from 'node:util';
import { createBenchTenant, freshDataDir, type Runtime, removeDataDirs, SMALL_HEAP_FLAGS, startHookgate } from './lib/hookgate.ts';
import { closedLoop, createClient, type PostTarget } from './lib/load.ts';
import { batchBody, eventBody } from './lib/phases.ts';
import { ensureClientFlags, pinSelf } from './lib/processes.ts';
import { startReceiver } from './lib/receiver.ts';
import { round } from './lib/stats.ts';

/**
 * Memory during ingest (issue 26 item 5): an `api` server takes the bench's ingest loads one after
 * the other for `--seconds` each (single events from 64 clients, then batches of 100 events from 4
 * clients to one endpoint and to ten, then 16 KB events), and its resident set is sampled every
 * 100 ms: prints the peak during each load, the RSS once each load is over, and VmHWM. On Node
 * with the recommended heap flags; Bun's own options go through BENCH_BUN_OPTIONS (`--smol`, say).
 *   node bench/ingest-rss.ts [--runtime bun] [--seconds 5] [--compiled]
 */
ensureClientFlags();
const { values: options } = parseArgs({
  options: { runtime: { type: 'string', default: 'node' }, seconds: { type: 'string', default: '5' }, compiled: { type: 'boolean', default: false } },
});
const runtime = options.runtime as Runtime;
const durationMs = Number(options.seconds) * 1000;
pinSelf();
const receiver = await startReceiver();
try {
  const server = await startHookgate({ runtime, role: 'api', dataDir: freshDataDir(), nodeFlags: [...SMALL_HEAP_FLAGS], compiled: options.compiled });
  const fan1 = await createBenchTenant(server, receiver.ports.slice(0, 1), 1);
  const fan10 = await createBenchTenant(server, receiver.ports, 10);
  const pool = createClient(server.url, 64);
  const target = (path: string, apiKey: string): PostTarget => ({ origin: server.url, path, headers: { authorization: apiKey } });
  const loads = [
    { label: 'single events', target: target('/api/v1/events', fan1.apiKey), concurrency: 64, body: (seq: number) => eventBody(seq, 256) },
    { label: 'batches of 100, fan-out 1', target: target('/api/v1/events/batch', fan1.apiKey), concurrency: 4, body: (seq: number) => batchBody(seq, 100, 256) },
    { label: 'batches of 100, fan-out 10', target: target('/api/v1/events/batch', fan10.apiKey), concurrency: 4, body: (seq: number) => batchBody(seq, 100, 256) },
    { label: '16 KB events', target: target('/api/v1/events', fan1.apiKey), concurrency: 64, body: (seq: number) => eventBody(seq, 16_384) },
  ];
  const mb = (bytes: number | null) => round((bytes ?? 0) / 1024 / 1024);
  const results = [];
  for (const load of loads) {
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.process.rss() ?? 0);
    }, 100);
    const { perSecond } = await closedLoop(pool, load.target, { concurrency: load.concurrency, durationMs, body: load.body });
    clearInterval(sampler);
    results.push({ load: load.label, requestsPerSecond: Math.round(perSecond), peakRssMb: mb(peak), afterMb: mb(server.process.rss()) });
  }
  const vmHwmMb = mb(server.process.peakRss());
  await pool.close();
  await server.process.stop();
  const build = runtime === 'bun' ? `bun ${process.env.BENCH_BUN_OPTIONS ?? ''}`.trim() : options.compiled ? 'node dist/node' : 'node src';
  process.stdout.write(`${JSON.stringify({ build, results, vmHwmMb })}\n`);
} finally {
  await receiver.stop();
  removeDataDirs();
}
