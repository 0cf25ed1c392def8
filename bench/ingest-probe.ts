import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBenchTenant, freshDataDir, removeDataDirs, SMALL_HEAP_FLAGS, startHookgate } from './lib/hookgate.ts';
import { createClient } from './lib/load.ts';
import { batchBody, eventBody, INGEST_PHASES, type IngestPhase, measureIngest, probePlan, startRawIngest, THROUGHPUT_WARM_UP_MS } from './lib/phases.ts';
import { ensureClientFlags, pinSelf } from './lib/processes.ts';
import { startReceiver } from './lib/receiver.ts';
import { round } from './lib/stats.ts';

/**
 * The bench's ingest phases alone (item 6 of issue 26, fan-out), beside the raw Hono + SQLite
 * single-insert baseline, measured as `npm run bench` measures them (64 connections, closed loop;
 * batches of 100 at 4 in flight) but in alternation: both servers run side by side (each idle while
 * the other is measured) and each round measures the raw baseline, then every phase, `--seconds`
 * each. On a machine shared with other work, the ratio of windows seconds apart is steadier than
 * that of phases minutes apart; the median over the rounds is printed with the load average.
 *   node bench/ingest-probe.ts [--phases single1,single10,batch10] [--rounds 3] [--seconds 5] [--no-raw] ["--node-flags=--cpu-prof --cpu-prof-dir=/tmp/p"]
 * With `--phases single10 --no-raw "--node-flags=--cpu-prof …"` the profile holds the fan-out 10 phase (and its warm-up) only.
 */
ensureClientFlags();
const { values: options } = parseArgs({
  options: {
    phases: { type: 'string', default: 'single1,single10,batch10' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'no-raw': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const phases = options.phases.split(',') as IngestPhase[];
for (const phase of phases) if (!INGEST_PHASES.includes(phase)) throw new Error(`--phases: one of ${INGEST_PHASES.join(', ')}`);
const rounds = Number(options.rounds);
pinSelf();
const loadBefore = loadavg().map((value) => round(value, 2));
const plan = probePlan(Number(options.seconds) * 1000, [...SMALL_HEAP_FLAGS, ...options['node-flags'].split(' ').filter(Boolean)]);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const receiver = await startReceiver();
const raw = options['no-raw'] ? null : await startRawIngest(plan);
try {
  const server = await startHookgate({ runtime: 'node', role: 'api', dataDir: freshDataDir(), nodeFlags: plan.nodeFlags });
  try {
    const tenants = { 1: await createBenchTenant(server, receiver.ports.slice(0, 1), 1), 10: await createBenchTenant(server, receiver.ports, 10) };
    const pool = createClient(server.url, plan.concurrency);
    const target = (phase: IngestPhase) => ({
      origin: server.url,
      path: phase.startsWith('batch') ? '/api/v1/events/batch' : '/api/v1/events',
      headers: { authorization: tenants[phase.endsWith('10') ? 10 : 1].apiKey },
    });
    const body = (phase: IngestPhase) =>
      phase.startsWith('batch') ? (seq: number) => batchBody(seq, plan.batchSize, plan.payloadBytes) : (seq: number) => eventBody(seq, plan.payloadBytes);
    const first = phases[0]!;
    await measureIngest(server, pool, target(first), { ...plan, throughputMs: THROUGHPUT_WARM_UP_MS }, body(first), first);
    const ratios = new Map<IngestPhase, number[]>(phases.map((phase) => [phase, []]));
    const cpu = new Map<IngestPhase | 'raw', number[]>([['raw', []], ...phases.map((phase): [IngestPhase, number[]] => [phase, []])]);
    for (let index = 1; index <= rounds; index++) {
      const baseline = raw ? await raw.measure(plan.throughputMs) : null;
      const parts: string[] = [];
      if (baseline) {
        cpu.get('raw')!.push(baseline.cpuMicros);
        parts.push(`raw ${baseline.perSecond}/s (${baseline.cpuMicros} µs)`);
      }
      for (const phase of phases) {
        const result = await measureIngest(server, pool, target(phase), plan, body(phase), phase);
        cpu.get(phase)!.push(result.cpuMicros);
        if (baseline) ratios.get(phase)!.push(result.perSecond / baseline.perSecond);
        parts.push(`${phase} ${result.perSecond}/s${baseline ? ` ${round(result.perSecond / baseline.perSecond, 2)}×` : ''} (${result.cpuMicros} µs)`);
      }
      process.stdout.write(`round ${index}: ${parts.join(', ')}\n`);
    }
    await pool.close();
    const summary = phases.map((phase) => `${phase} ${raw ? `${round(median(ratios.get(phase)!), 2)}× raw, ` : ''}${Math.round(median(cpu.get(phase)!))} µs`);
    process.stdout.write(`median of ${rounds} rounds (rate ratio, CPU per event): ${raw ? `raw ${Math.round(median(cpu.get('raw')!))} µs; ` : ''}${summary.join('; ')}\n`);
  } finally {
    await server.process.stop();
  }
  process.stdout.write(
    `load average before ${loadBefore.join(' ')}, after ${loadavg()
      .map((value) => round(value, 2))
      .join(' ')}\n`,
  );
} finally {
  await raw?.stop();
  await receiver.stop();
  removeDataDirs();
}
