import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBenchTenant, freshDataDir, removeDataDirs, SMALL_HEAP_FLAGS, startHookgate } from './lib/hookgate.ts';
import { createClient } from './lib/load.ts';
import { batchBody, eventBody, INGEST_PHASES, type IngestPhase, measureIngest, probePlan, rawIngest, THROUGHPUT_WARM_UP_MS } from './lib/phases.ts';
import { ensureClientFlags, pinSelf } from './lib/processes.ts';
import { startReceiver } from './lib/receiver.ts';
import { round } from './lib/stats.ts';

/**
 * The bench's ingest phases alone (item 6 of issue 26, fan-out), beside the raw Hono + SQLite
 * single-insert baseline in the same run, as `npm run bench` measures them: a 4 s warm-up on the
 * first phase's tenant, then each phase 5 s closed loop (64 connections; batches of 100 at 4).
 * Prints each phase's rate, its ratio to the raw baseline, the server CPU per event and the load average.
 *   node bench/ingest-probe.ts [--phases single1,single10,batch10] [--seconds 5] [--no-raw] ["--node-flags=--cpu-prof --cpu-prof-dir=/tmp/p"]
 * With `--phases single10 "--node-flags=--cpu-prof …"` the profile holds the fan-out 10 phase (and its warm-up) only.
 */
ensureClientFlags();
const { values: options } = parseArgs({
  options: {
    phases: { type: 'string', default: 'single1,single10,batch10' },
    seconds: { type: 'string', default: '5' },
    'no-raw': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const phases = options.phases.split(',') as IngestPhase[];
for (const phase of phases) if (!INGEST_PHASES.includes(phase)) throw new Error(`--phases: one of ${INGEST_PHASES.join(', ')}`);
pinSelf();
const loadBefore = loadavg().map((value) => round(value, 2));
const plan = probePlan(Number(options.seconds) * 1000, [...SMALL_HEAP_FLAGS, ...options['node-flags'].split(' ').filter(Boolean)]);
const receiver = await startReceiver();
try {
  const raw = options['no-raw'] ? null : await rawIngest(plan);
  if (raw) process.stdout.write(`raw Hono + SQLite single insert: ${raw.perSecond}/s, ${raw.cpuMicros} µs CPU per event\n`);
  const server = await startHookgate({ runtime: 'node', role: 'api', dataDir: freshDataDir(), nodeFlags: plan.nodeFlags });
  try {
    const tenants = { 1: await createBenchTenant(server, receiver.ports.slice(0, 1), 1), 10: await createBenchTenant(server, receiver.ports, 10) };
    const pool = createClient(server.url, plan.concurrency);
    const single = (seq: number) => eventBody(seq, plan.payloadBytes);
    const target = (phase: IngestPhase) => ({
      origin: server.url,
      path: phase.startsWith('batch') ? '/api/v1/events/batch' : '/api/v1/events',
      headers: { authorization: tenants[phase.endsWith('10') ? 10 : 1].apiKey },
    });
    const first = phases[0]!;
    await measureIngest(
      server,
      pool,
      target(first),
      { ...plan, throughputMs: THROUGHPUT_WARM_UP_MS },
      first.startsWith('batch') ? (seq) => batchBody(seq, plan.batchSize, plan.payloadBytes) : single,
      first,
    );
    for (const phase of phases) {
      const body = phase.startsWith('batch') ? (seq: number) => batchBody(seq, plan.batchSize, plan.payloadBytes) : single;
      const result = await measureIngest(server, pool, target(phase), plan, body, phase);
      const ratio = raw ? `, ${round(result.perSecond / raw.perSecond, 2)}× raw` : '';
      process.stdout.write(`hookgate ${phase}: ${result.perSecond}/s${ratio}, ${result.cpuMicros} µs CPU per event\n`);
    }
    await pool.close();
  } finally {
    await server.process.stop();
  }
  process.stdout.write(
    `load average before ${loadBefore.join(' ')}, after ${loadavg()
      .map((value) => round(value, 2))
      .join(' ')}\n`,
  );
} finally {
  await receiver.stop();
  removeDataDirs();
}
