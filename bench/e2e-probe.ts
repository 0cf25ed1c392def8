import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createBenchTenant, freshDataDir, type Runtime, removeDataDirs, SMALL_HEAP_FLAGS, startHookgate } from './lib/hookgate.ts';
import { createClient, openLoop } from './lib/load.ts';
import { eventBody, warmUp } from './lib/phases.ts';
import { CLIENT_CORE, CLIENT_NODE_FLAGS, ensureClientFlags, pinSelf, spawnPinned } from './lib/processes.ts';
import { distribution, formatDistribution, round, roundedDistribution } from './lib/stats.ts';

/**
 * One end-to-end run at a fixed rate, for A/B comparisons between two builds or settings: a fresh
 * `HOOKGATE_ROLE=all` server on core 0, one endpoint, the bench's warm-up (6 s closed loop; with
 * --cold only 2 s at 200/s, so V8's tier-up burst falls inside the window), then `--rate` events/s
 * for `--seconds`. Prints p50/p95/p99/max (from the scheduled send, and from the 202), the server's CPU per event, its peak RSS, and the worst
 * latency of each half second (a periodic stall shows up as a regular pattern there).
 *   node bench/e2e-probe.ts [--rate 1000] [--seconds 10] [--runtime bun] [--cold] [--node-flags="--trace-gc --trace-gc-ignore-scavenger"] [--env NAME=VALUE]...
 * With --node-flags containing --trace-gc, the server's last 40 lines of output are printed too.
 */
ensureClientFlags();
const { values: options } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    runtime: { type: 'string', default: 'node' },
    'node-flags': { type: 'string', default: '' },
    cold: { type: 'boolean', default: false },
    /** Server environment for this run (repeatable), e.g. --env HOOKGATE_ENDPOINT_CONCURRENCY=16. */
    env: { type: 'string', multiple: true, default: [] },
  },
});
const rate = Number(options.rate);
const seconds = Number(options.seconds);
const nodeFlags = [...SMALL_HEAP_FLAGS, ...options['node-flags'].split(' ').filter(Boolean)];
const env = Object.fromEntries(
  options.env.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--env takes NAME=VALUE, not ${JSON.stringify(pair)}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

pinSelf();
const receiver = spawnPinned(CLIENT_CORE, process.execPath, [...CLIENT_NODE_FLAGS, 'bench/receiver.ts'], { BENCH_PORTS: '1' });
const ports = await new Promise<number[]>((resolve) => receiver.child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).ports)));
const collect = async () => (await (await fetch(`http://127.0.0.1:${ports[0]}/__bench/collect`)).json()) as { seqs: number[]; times: number[] };
const server = await startHookgate({ runtime: options.runtime as Runtime, role: 'all', dataDir: freshDataDir(), nodeFlags, env });
try {
  const tenant = await createBenchTenant(server, ports, 1);
  const pool = createClient(server.url, 64);
  const target = { origin: server.url, path: '/api/v1/events', headers: { authorization: tenant.apiKey } };
  if (options.cold) await openLoop(pool, target, { rate: 200, durationMs: 2000, firstSeq: 1_000_000, body: (seq) => eventBody(seq, 256) });
  else await warmUp(pool, target, { total: async () => ((await (await fetch(`http://127.0.0.1:${ports[0]}/__bench/total`)).json()) as { total: number }).total }, 256);
  await sleep(1000);
  await collect();
  const cpuBefore = server.process.cpuSeconds();
  const sent = await openLoop(pool, target, { rate, durationMs: seconds * 1000, firstSeq: 1, body: (seq) => eventBody(seq, 256) });
  await sleep(2000);
  const cpu = server.process.cpuSeconds() - cpuBefore;
  const arrived = await collect();
  const samples: { at: number; latency: number; afterAccepted: number }[] = [];
  arrived.seqs.forEach((seq, index) => {
    const offset = seq - sent.firstSeq;
    if (offset < 0 || offset >= sent.offered || Number.isNaN(sent.answered[offset])) return;
    const at = sent.scheduled[offset]!;
    samples.push({ at, latency: arrived.times[index]! - at, afterAccepted: arrived.times[index]! - sent.answered[offset]! });
  });
  const spread = roundedDistribution(distribution(samples.map((sample) => sample.latency)));
  const fromAnswer = roundedDistribution(distribution(samples.map((sample) => sample.afterAccepted)));
  process.stdout.write(
    `${options.runtime} at ${rate}/s: ${samples.length}/${sent.accepted} delivered; ${formatDistribution(spread)} (from the 202: ${formatDistribution(fromAnswer)}); ` +
      `${Math.round((cpu * 1e6) / Math.max(1, samples.length))} µs of server CPU per event; peak RSS ${Math.round((server.process.peakRss() ?? 0) / 1e6)} MB; generator lag ${round(sent.maxLagMs)} ms\n`,
  );
  const start = Math.min(...samples.map((sample) => sample.at));
  const worst = new Map<number, number>();
  for (const { at, latency } of samples) {
    const slot = Math.floor((at - start) / 500);
    worst.set(slot, Math.max(worst.get(slot) ?? 0, latency));
  }
  process.stdout.write(`worst per half second: ${[...worst].map(([slot, latency]) => `${slot / 2}s ${Math.round(latency)}`).join(', ')}\n`);
  // Which path attempted the late deliveries: the fast path right after the 202, or a claim (sweep or a round).
  const store = new Database(server.dbPath, { readonly: true });
  const byTrigger = store
    .prepare(
      `SELECT a.trigger, count(*) AS attempts, sum(a.started_at - e.created_at > 50) AS over_50_ms, max(a.started_at - e.created_at) AS worst_ms
       FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id GROUP BY a.trigger`,
    )
    .all();
  store.close();
  process.stdout.write(`attempts by trigger (from the event's write to the attempt's start): ${JSON.stringify(byTrigger)}\n`);
  if (nodeFlags.includes('--trace-gc')) process.stdout.write(`${server.process.output.slice(-40).join('\n')}\n`);
  await pool.close();
} finally {
  await server.process.stop();
  await receiver.stop();
  removeDataDirs();
}
