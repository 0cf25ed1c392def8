import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { postgresUnavailable } from '../scripts/postgres-cluster.ts';
import { bullmqPeer, type PeerResults, peerUnavailable } from './lib/bullmq.ts';
import { rateChartSvg } from './lib/chart.ts';
import { freshDataDir, type Runtime, removeDataDirs, runtimeCommand, SMALL_HEAP_FLAGS } from './lib/hookgate.ts';
import { deliver, ingest, latency, type Plan, type Receiver, rawIngest } from './lib/phases.ts';
import { CLIENT_CORE, ensureClientFlags, pinSelf, SERVER_CORE, spawnPinned, unpinSelf } from './lib/processes.ts';
import { runRawPostLoop } from './lib/raw-post.ts';
import { countAttempts } from './lib/raw-store.ts';
import { startReceiver } from './lib/receiver.ts';
import { renderTable, writeResults } from './lib/report.ts';
import { buildRows, type SweepResults } from './lib/rows.ts';
import { round } from './lib/stats.ts';
import { type PostgresBenchResults, runPostgresBench, wantsPostgresStore } from './postgres-scaling.ts';

/**
 * `npm run bench [-- --runtime bun] [-- --quick] [-- --compiled] [-- --profile] [-- --endpoint-concurrency N]`:
 * hookgate against this machine's raw limits, measured in the same run. See docs/performance.md for the method.
 */
ensureClientFlags();
// `--store postgres`: the Postgres scaling bench and its peer (bench/postgres-scaling.ts, docs/scaling.md), with its own options.
if (wantsPostgresStore(process.argv)) {
  await runPostgresBench(process.argv.slice(2));
  process.exit(0);
}
const { values: options } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'node' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'default-heap': { type: 'boolean', default: false },
    // Node: the servers run the compiled build (dist/node, built first), as the container image does; the sources otherwise.
    compiled: { type: 'boolean', default: false },
    // The BullMQ peer (twice: Redis on the server's core, then on the other): in the full run unless --skip-peers; in --quick only with --peers.
    peers: { type: 'boolean', default: false },
    'skip-peers': { type: 'boolean', default: false },
    // The Postgres phase (bench/postgres-scaling.ts with --backlog 10000: 1/2/4 workers, pg-boss, end to end): in the full Node run unless --skip-postgres.
    'skip-postgres': { type: 'boolean', default: false },
    // The delivery worker's HOOKGATE_ENDPOINT_CONCURRENCY (hookgate's default, 32, unless given).
    'endpoint-concurrency': { type: 'string' },
  },
});
const runtime = options.runtime as Runtime;
if (runtime !== 'node' && runtime !== 'bun') throw new Error('--runtime is node or bun');
if (options['endpoint-concurrency'] !== undefined && !/^[1-9]\d*$/.test(options['endpoint-concurrency'])) throw new Error('--endpoint-concurrency is a positive integer');
const quick = options.quick;
const plan: Plan = {
  runtime,
  quick,
  throughputMs: quick ? 1000 : 5000,
  latencyMs: quick ? 3000 : 30_000,
  history: quick ? 100_000 : 1_000_000,
  due: quick ? 1000 : 10_000,
  payloadBytes: 256,
  batchSize: 100,
  concurrency: 64,
  endpointConcurrency: options['endpoint-concurrency'] === undefined ? null : Number(options['endpoint-concurrency']),
  compiled: options.compiled,
  nodeFlags: [
    // --default-heap drops the recommended small-machine heap settings.
    ...(options['default-heap'] ? [] : SMALL_HEAP_FLAGS),
    ...(options.profile ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles'] : []),
  ],
};

const startedAt = new Date();
if (runtime === 'bun' && options.profile) process.stderr.write('--profile applies to Node only; use bun --cpu-prof by hand\n');
const pinned = pinSelf();
const loadBefore = loadavg();
const log = (message: string) => process.stderr.write(`[bench ${round((Date.now() - startedAt.getTime()) / 1000)}s] ${message}\n`);

/** A raw keep-alive POST loop to the receiver, on the server core (where hookgate's delivery runs). */
const rawPostLoop = (transport: 'undici' | 'fetch', receiver: Receiver) =>
  runRawPostLoop(runtime, transport, `${receiver.origin}/raw`, { concurrency: plan.concurrency, durationMs: plan.throughputMs, payloadBytes: plan.payloadBytes });

async function sweepCost(receiver: Receiver) {
  const [command, args] = runtimeCommand(runtime, 'bench/sweep-cost.ts');
  const spawned = spawnPinned(SERVER_CORE, command, args, {
    BENCH_RECEIVER: `http://127.0.0.1:${receiver.ports[1]}`,
    BENCH_HISTORY: String(plan.history),
    BENCH_DUE: String(plan.due),
  });
  const exit = await new Promise<number | null>((resolve) => spawned.child.once('exit', resolve));
  const line = spawned.output.find((text) => text.startsWith('{"history"'));
  if (exit !== 0 || !line) throw new Error(`sweep cost failed: ${spawned.output.join('\n')}`);
  return JSON.parse(line) as SweepResults;
}

const receiver = await startReceiver();
try {
  log(
    `runtime ${runtime}${runtime === 'node' ? (options.compiled ? ', compiled build (dist/node)' : ', TypeScript sources') : ''}${quick ? ' (quick)' : ''}; cores pinned: ${pinned ? `server ${SERVER_CORE}, load generator + receiver ${CLIENT_CORE}` : 'no (taskset missing)'}`,
  );
  log('raw Hono + SQLite ingest baseline');
  const rawIngestRate = await rawIngest(plan);
  log('raw keep-alive POST loops');
  const rawUndici = await rawPostLoop('undici', receiver);
  const rawFetch = await rawPostLoop('fetch', receiver);
  log('hookgate ingest (HOOKGATE_ROLE=api)');
  const dataDir = freshDataDir();
  const ingested = await ingest(plan, receiver, dataDir);
  log('hookgate delivery (HOOKGATE_ROLE=worker draining the ingest backlog)');
  const delivered = await deliver(plan, receiver, dataDir, ingested.backlog, countAttempts);
  const estimate = 0.8 / (1 / ingested.single1.perSecond + 1 / delivered.perSecond);
  log(`end-to-end latency (HOOKGATE_ROLE=all), estimate of the highest sustained rate ${Math.round(estimate)}/s`);
  const latencies = await latency(plan, receiver, estimate);
  const peers: PeerResults[] = [];
  const peersWanted = options.peers || (!quick && !options['skip-peers']);
  const unavailable = peersWanted ? peerUnavailable() : null;
  if (unavailable) log(`BullMQ peer skipped: ${unavailable}`);
  else if (peersWanted)
    for (const core of [SERVER_CORE, CLIENT_CORE]) {
      log(`BullMQ peer, Redis on core ${core}`);
      peers.push(await bullmqPeer(plan, receiver, core));
    }
  log('sweep cost vs history');
  const sweep = await sweepCost(receiver);
  // The Postgres store and its peer (issue 26 items 3 and 4), so that one run prints every ratio.
  let postgres: PostgresBenchResults | null = null;
  const postgresWanted = !quick && runtime === 'node' && !options['skip-postgres'];
  const postgresMissing = postgresWanted ? postgresUnavailable() : null;
  if (postgresMissing) log(`Postgres phase skipped: ${postgresMissing}`);
  else if (postgresWanted) {
    log('Postgres store: 1, 2 and 4 workers, pg-boss, end to end (bench/postgres-scaling.ts --backlog 10000)');
    // As when run alone: nothing pinned, the cluster it starts included (started from a pinned process, Postgres kept to one core).
    unpinSelf();
    postgres = await runPostgresBench(['--backlog', '10000']);
  }
  const loadAfter = loadavg();

  const peakRss = Math.max(ingested.peakRss ?? 0, delivered.peakRss ?? 0, latencies.peakRss ?? 0) || null;
  const rows = buildRows({
    batchSize: plan.batchSize,
    rawIngest: rawIngestRate,
    rawUndici,
    rawFetch,
    ingest: ingested,
    delivery: delivered,
    latency: latencies,
    sweep,
    peakRss,
    peers,
    peersSkipped: unavailable,
  });
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    loadAverageBefore: loadBefore.map((value) => round(value, 2)),
    loadAverageAfter: loadAfter.map((value) => round(value, 2)),
    pinned: pinned ? { server: SERVER_CORE, loadGeneratorAndReceiver: CLIENT_CORE } : null,
    node: process.version,
    nodeBuild: runtime === 'node' ? (options.compiled ? 'compiled (dist/node)' : 'TypeScript sources') : undefined,
    bun: runtime === 'bun' ? readFileSync('node_modules/bun/package.json', 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] : undefined,
  };
  const results = {
    date: startedAt.toISOString(),
    runtime,
    quick,
    seconds: round((Date.now() - startedAt.getTime()) / 1000),
    machine,
    plan,
    raw: { ingest: rawIngestRate, postLoopUndici: rawUndici, postLoopFetch: rawFetch },
    ingest: ingested,
    delivery: delivered,
    latency: latencies,
    sweep,
    peers,
    peakRss,
    postgres,
    targets: rows.filter((row) => row.met !== null).map((row) => ({ figure: row.figure, ratio: row.ratio, value: row.hookgate, target: row.target, met: row.met })),
  };
  process.stdout.write(`\nhookgate bench, ${runtime}${quick ? ' (quick)' : ''}, ${startedAt.toISOString()}, ${results.seconds} s\n`);
  process.stdout.write(
    `machine: ${machine.cpus} cores (${machine.cpuModel}), load average before ${machine.loadAverageBefore.join(' ')}, after ${machine.loadAverageAfter.join(' ')}; ${pinned ? `server on core ${SERVER_CORE}, load generator + receiver on core ${CLIENT_CORE}` : 'unpinned'}\n\n`,
  );
  process.stdout.write(`${renderTable(rows)}\n`);
  if (postgres) process.stdout.write(`\n${postgresSummary(postgres)}\n`);
  if (!options['no-write']) {
    const written = writeResults(results, { runtime, quick, date: startedAt });
    const chart = written.replace(/\.json$/, '-rates.svg');
    writeFileSync(
      chart,
      rateChartSvg(
        `hookgate ${runtime}, ${startedAt.toISOString().slice(0, 16)} UTC: fixed-rate runs, one endpoint (load average ${machine.loadAverageBefore.join(' ')})`,
        latencies.runs,
      ),
    );
    process.stdout.write(`\nwrote ${written} and ${chart}\n`);
  }
} finally {
  await receiver.stop();
  removeDataDirs();
}

/** The Postgres phase's ratios in one line each, below the table. */
function postgresSummary(postgres: PostgresBenchResults): string {
  const workers = Object.entries(postgres.workers);
  const lines = [
    `Postgres, ${postgres.backlog} deliveries: ${workers.map(([count, rate]) => `${count} worker${count === '1' ? '' : 's'} ${rate.perSecond}/s (${rate.ratio}×)`).join(', ')}`,
  ];
  if (postgres.pgBoss)
    lines.push(`Postgres peer: hookgate (1 worker) / pg-boss ${postgres.pgBoss.hookgateRatio}× (${postgres.pgBoss.perSecond}/s; target ≥ ${postgres.pgBoss.target}×)`);
  if (postgres.endToEnd) lines.push(`Postgres end to end, 1 api + 2 workers at ${postgres.endToEnd.rate}/s: p50 ${postgres.endToEnd.p50} / p99 ${postgres.endToEnd.p99} ms`);
  return lines.join('\n');
}
