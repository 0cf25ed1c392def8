import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBenchTenant, freshDataDir, removeDataDirs, SMALL_HEAP_FLAGS, startHookgate } from './lib/hookgate.ts';
import { createClient } from './lib/load.ts';
import { deliver, eventBody, probePlan } from './lib/phases.ts';
import { ensureClientFlags, pinSelf } from './lib/processes.ts';
import { runRawPostLoop } from './lib/raw-post.ts';
import { countAttempts } from './lib/raw-store.ts';
import { startReceiver } from './lib/receiver.ts';
import { round } from './lib/stats.ts';

/**
 * The bench's delivery phase alone, for A/B comparisons: a backlog ingested in batches (HOOKGATE_ROLE=api;
 * 15,000 events to one endpoint, then `--events` events fanned out to ten), drained by a
 * HOOKGATE_ROLE=worker process as in `npm run bench` (window over the ten-endpoint part), beside
 * the raw undici.request loop to the same receiver in the same run. Prints both rates, the ratio,
 * the CPU per delivery and the load average.
 *   node bench/delivery-probe.ts [--events 8000] [--seconds 10] [--node-flags "--cpu-prof --cpu-prof-dir=/tmp/p"]
 */
ensureClientFlags();
const { values: options } = parseArgs({
  options: {
    events: { type: 'string', default: '8000' },
    seconds: { type: 'string', default: '10' },
    'node-flags': { type: 'string', default: '' },
  },
});
pinSelf();
const load = loadavg().map((value) => round(value, 2));
const plan = probePlan((Number(options.seconds) * 1000) / 2, [...SMALL_HEAP_FLAGS, ...options['node-flags'].split(' ').filter(Boolean)]);
const receiver = await startReceiver();
try {
  const raw = await runRawPostLoop('node', 'undici', `${receiver.origin}/raw`, { concurrency: 64, durationMs: 5000, payloadBytes: 256 });
  const dataDir = freshDataDir();
  const api = await startHookgate({ runtime: 'node', role: 'api', dataDir, nodeFlags: [...SMALL_HEAP_FLAGS] });
  const backlog = { oneEndpoint: 15_000, tenEndpoints: Number(options.events) * 10 };
  try {
    const one = await createBenchTenant(api, receiver.ports.slice(0, 1), 1);
    const ten = await createBenchTenant(api, receiver.ports, 10);
    const pool = createClient(api.url, 4);
    const batches = async (apiKey: string, events: number) => {
      for (let seq = 0; seq < events; seq += 100) {
        const body = `{"events":[${Array.from({ length: 100 }, (_, index) => eventBody(seq + index, 256)).join(',')}]}`;
        const response = await pool.request({ method: 'POST', path: '/api/v1/events/batch', headers: { 'content-type': 'application/json', authorization: apiKey }, body });
        await response.body.text();
      }
    };
    await batches(one.apiKey, backlog.oneEndpoint);
    await batches(ten.apiKey, Number(options.events));
    await pool.close();
  } finally {
    await api.process.stop();
  }
  const delivered = await deliver(plan, receiver, dataDir, backlog, countAttempts);
  process.stdout.write(
    `delivery ${delivered.perSecond}/s (${delivered.cpuMicros} µs CPU each, attempts recorded: ${delivered.attemptsRecorded}), raw undici.request ${raw.perSecond}/s (${raw.cpuMicros} µs): ratio ${round(delivered.perSecond / raw.perSecond, 2)}; load average before ${load.join(' ')}, after ${loadavg()
      .map((value) => round(value, 2))
      .join(' ')}\n`,
  );
} finally {
  await receiver.stop();
  removeDataDirs();
}
