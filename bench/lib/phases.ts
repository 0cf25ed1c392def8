import { join } from 'node:path';
import type { Pool } from 'undici';
import { createBenchTenant, freshDataDir, type Hookgate, type Role, type Runtime, runtimeCommand, startHookgate } from './hookgate.ts';
import { clock, closedLoop, createClient, type OpenLoopResult, openLoop, type PostTarget } from './load.ts';
import { freePort, SERVER_CORE, spawnPinned, waitHealthy } from './processes.ts';
import { createBetterSqliteStore } from './raw-store.ts';
import { type Distribution, distribution, round, roundedDistribution } from './stats.ts';

export interface Plan {
  runtime: Runtime;
  quick: boolean;
  /** Closed-loop measurement window of each throughput figure. */
  throughputMs: number;
  /** Window of each fixed-rate latency run (the issue asks for at least 30 s). */
  latencyMs: number;
  history: number;
  due: number;
  payloadBytes: number;
  batchSize: number;
  concurrency: number;
  /** The delivery worker's in-flight limit per endpoint (HOOKGATE_ENDPOINT_CONCURRENCY); null: hookgate's default, 32. */
  endpointConcurrency: number | null;
  nodeFlags: string[];
  /** Node: the servers run the compiled build (dist/node, as the container image does) instead of the sources. */
  compiled?: boolean;
}

/** The plan of a probe that runs one of the bench's phases alone (Node, the bench's payload, batch size and concurrency). */
export const probePlan = (throughputMs: number, nodeFlags: string[]): Plan => ({
  runtime: 'node',
  quick: false,
  throughputMs,
  latencyMs: 0,
  history: 0,
  due: 0,
  payloadBytes: 256,
  batchSize: 100,
  concurrency: 64,
  endpointConcurrency: null,
  nodeFlags,
});

export interface Receiver {
  origin: string;
  ports: number[];
  collect(): Promise<{ count: number; signed: number; connections: number; first: number; last: number; seqs: number[]; times: number[] }>;
  total(): Promise<number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An event body of about `payloadBytes` of data, carrying `seq` for the receiver. */
export function eventBody(seq: number, payloadBytes: number): string {
  const pad = 'x'.repeat(Math.max(0, payloadBytes - 40));
  return `{"type":"invoice.created","data":{"seq":${seq},"pad":"${pad}"}}`;
}

export const batchBody = (seq: number, size: number, payloadBytes: number) =>
  `{"events":[${Array.from({ length: size }, (_, index) => eventBody(seq * size + index, payloadBytes)).join(',')}]}`;

/**
 * Closed-loop warm-up before an ingest measurement, raw handler and hookgate alike: past V8's
 * tier-up (see `warmUp`), which otherwise lands inside the first measured window, at about 10,000
 * requests, and costs it a different share from run to run.
 */
export const THROUGHPUT_WARM_UP_MS = 4000;

export interface Throughput {
  perSecond: number;
  /** Server CPU time per event (or delivery), in microseconds: far less sensitive to other load than the rate. */
  cpuMicros: number;
}

const cpuMicros = (cpuSeconds: number, events: number) => Math.round((cpuSeconds * 1e6) / Math.max(1, events));

/** The raw Hono + SQLite ingestion baseline server, running and warmed up: `measure` runs one closed-loop window. */
export interface RawIngestServer {
  measure(durationMs: number): Promise<Throughput>;
  stop(): Promise<void>;
}

/** Starts the raw baseline (bench/raw-ingest-server.ts) on the server core, same runtime, same schema, and warms it up. */
export async function startRawIngest(plan: Plan): Promise<RawIngestServer> {
  const dataDir = freshDataDir();
  const dbPath = join(dataDir, 'raw.db');
  const { tenantId, endpointId } = await createBetterSqliteStore(dbPath);
  const port = await freePort();
  const [command, args] = runtimeCommand(plan.runtime, 'bench/raw-ingest-server.ts');
  const server = spawnPinned(SERVER_CORE, command, args, { PORT: String(port), BENCH_DB: dbPath, BENCH_TENANT: tenantId, BENCH_ENDPOINT: endpointId });
  const origin = `http://127.0.0.1:${port}`;
  const pool = createClient(origin, plan.concurrency);
  const target: PostTarget = { origin, path: '/api/v1/events', headers: {} };
  const window = (durationMs: number) => closedLoop(pool, target, { concurrency: plan.concurrency, durationMs, body: (seq) => eventBody(seq, plan.payloadBytes) });
  try {
    await waitHealthy(`${origin}/health`, server);
    await window(THROUGHPUT_WARM_UP_MS);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    measure: async (durationMs) => {
      const cpuBefore = server.cpuSeconds();
      const result = await window(durationMs);
      const cpu = server.cpuSeconds() - cpuBefore;
      return { perSecond: Math.round(result.perSecond), cpuMicros: cpuMicros(cpu, result.requests) };
    },
    stop: async () => {
      await pool.close();
      await server.stop();
    },
  };
}

/** The raw Hono + SQLite ingestion baseline: one window of `plan.throughputMs` after the warm-up. */
export async function rawIngest(plan: Plan): Promise<Throughput> {
  const raw = await startRawIngest(plan);
  try {
    return await raw.measure(plan.throughputMs);
  } finally {
    await raw.stop();
  }
}

export interface IngestResults {
  single1: Throughput;
  single10: Throughput;
  batch1: Throughput;
  batch10: Throughput;
  largePayload1: Throughput;
  peakRss: number | null;
  /** The backlog left for the delivery phase, in the order it drains: one endpoint's deliveries, then ten endpoints'. */
  backlog: { oneEndpoint: number; tenEndpoints: number };
}

/** The ingest phases: single events or batches of `plan.batchSize`, to a tenant of one endpoint or of ten. */
export const INGEST_PHASES = ['single1', 'single10', 'batch1', 'batch10'] as const;
export type IngestPhase = (typeof INGEST_PHASES)[number];

/**
 * One closed-loop ingest measurement of `plan.throughputMs` against `server`: events/s accepted and
 * server CPU per event. Batches run at a sixteenth of the concurrency (4 requests of 100 in flight).
 */
export async function measureIngest(
  server: Pick<Hookgate, 'process'>,
  pool: Pool,
  target: PostTarget,
  plan: Pick<Plan, 'throughputMs' | 'concurrency' | 'batchSize'>,
  body: (seq: number) => string,
  phase: IngestPhase,
): Promise<Throughput & { events: number }> {
  const batch = phase.startsWith('batch');
  const eventsPerRequest = batch ? plan.batchSize : 1;
  const concurrency = batch ? Math.max(2, plan.concurrency / 16) : plan.concurrency;
  const cpuBefore = server.process.cpuSeconds();
  const result = await closedLoop(pool, target, { concurrency, durationMs: plan.throughputMs, body });
  const cpu = server.process.cpuSeconds() - cpuBefore;
  const events = result.requests * eventsPerRequest;
  return { perSecond: Math.round(result.perSecond * eventsPerRequest), cpuMicros: cpuMicros(cpu, events), events };
}

/**
 * Ingestion into hookgate with `HOOKGATE_ROLE=api` (nothing is delivered meanwhile): events/s
 * accepted, single and batch, fan-out 1 and 10. Leaves the accepted backlog in `dataDir` for the
 * delivery phase.
 */
export async function ingest(plan: Plan, receiver: Receiver, dataDir: string): Promise<IngestResults> {
  const server = await startHookgate({ runtime: plan.runtime, role: 'api', dataDir, nodeFlags: plan.nodeFlags, compiled: plan.compiled });
  try {
    const fan1 = await createBenchTenant(server, receiver.ports.slice(0, 1), 1);
    const fan10 = await createBenchTenant(server, receiver.ports, 10);
    const pool = createClient(server.url, plan.concurrency);
    const single = (apiKey: string): PostTarget => ({ origin: server.url, path: '/api/v1/events', headers: { authorization: apiKey } });
    const batch = (apiKey: string): PostTarget => ({ origin: server.url, path: '/api/v1/events/batch', headers: { authorization: apiKey } });
    const bytes = plan.payloadBytes;
    const singleBody = (seq: number) => eventBody(seq, bytes);
    const batchesBody = (seq: number) => batchBody(seq, plan.batchSize, bytes);
    const warm = await closedLoop(pool, single(fan1.apiKey), { concurrency: plan.concurrency, durationMs: THROUGHPUT_WARM_UP_MS, body: singleBody });
    const single1 = await measureIngest(server, pool, single(fan1.apiKey), plan, singleBody, 'single1');
    const single10 = await measureIngest(server, pool, single(fan10.apiKey), plan, singleBody, 'single10');
    const batch1 = await measureIngest(server, pool, batch(fan1.apiKey), plan, batchesBody, 'batch1');
    const batch10 = await measureIngest(server, pool, batch(fan10.apiKey), plan, batchesBody, 'batch10');
    const largePayload1 = await measureIngest(server, pool, single(fan1.apiKey), plan, (seq) => eventBody(seq, 16_384), 'single1');
    await pool.close();
    const rate = ({ perSecond, cpuMicros }: Throughput): Throughput => ({ perSecond, cpuMicros });
    return {
      single1: rate(single1),
      single10: rate(single10),
      batch1: rate(batch1),
      batch10: rate(batch10),
      largePayload1: rate(largePayload1),
      peakRss: server.process.peakRss(),
      backlog: { oneEndpoint: warm.requests + single1.events, tenEndpoints: single10.events * 10 },
    };
  } finally {
    await server.process.stop();
  }
}

export interface DeliveryResults extends Throughput {
  signedShare: number;
  attemptsRecorded: boolean;
  /** TCP connections the receiver accepted during the window: keep-alive reuse, or its absence. */
  connectionsOpened: number;
  received: number;
  attempts: number;
  peakRss: number | null;
}

const DELIVERY_WARM_UP = 15_000;

/**
 * A `HOOKGATE_ROLE=worker` process drains the ingest phase's backlog; deliveries/s at the receiver.
 * The window covers the ten-endpoint part of the backlog: at the default caps (32 per endpoint, 64 in
 * all) hookgate then keeps 64 requests in flight, as the raw loop does. It opens once the
 * one-endpoint part is drained (and past DELIVERY_WARM_UP deliveries: V8's tier-up burst, see
 * warmUp, is over by then, as it is for the raw loop) and closes after twice the throughput window
 * or when the ten-endpoint part is drained, whichever comes first.
 */
export async function deliver(
  plan: Plan,
  receiver: Receiver,
  dataDir: string,
  backlog: IngestResults['backlog'],
  countAttempts: (dbPath: string) => number,
): Promise<DeliveryResults> {
  const before = await receiver.total();
  await receiver.collect();
  const caps: Record<string, string> = plan.endpointConcurrency === null ? {} : { HOOKGATE_ENDPOINT_CONCURRENCY: String(plan.endpointConcurrency) };
  const server = await startHookgate({
    runtime: plan.runtime,
    role: 'worker',
    dataDir,
    nodeFlags: plan.nodeFlags,
    compiled: plan.compiled,
    env: { HOOKGATE_SWEEP_CRON: '* * * * * *', ...caps },
  });
  const delivered = async () => (await receiver.total()) - before;
  let received = 0;
  let cpu = 0;
  let peakRss: number | null = null;
  let window: Awaited<ReturnType<Receiver['collect']>>;
  try {
    while ((await delivered()) < Math.max(DELIVERY_WARM_UP, backlog.oneEndpoint)) await sleep(20);
    await receiver.collect();
    const started = clock();
    const cpuBefore = server.process.cpuSeconds();
    const end = backlog.oneEndpoint + backlog.tenEndpoints;
    while (clock() - started < plan.throughputMs * 2 && (await delivered()) < end) await sleep(20);
    window = await receiver.collect();
    cpu = server.process.cpuSeconds() - cpuBefore;
    window.first = started;
    window.last = clock();
    peakRss = server.process.peakRss();
  } finally {
    await server.process.stop();
    received = (await receiver.total()) - before;
  }
  const attempts = countAttempts(server.dbPath);
  return {
    perSecond: Math.round(window.count / ((window.last - window.first) / 1000)),
    cpuMicros: cpuMicros(cpu, window.count),
    signedShare: round(window.signed / Math.max(1, window.count), 3),
    attemptsRecorded: attempts === received,
    connectionsOpened: window.connections,
    received,
    attempts,
    peakRss,
  };
}

export interface LatencyRun extends Distribution {
  offered: number;
  accepted: number;
  delivered: number;
  sustained: boolean;
  seconds: number;
  /** Highest resident set size of the server sampled (every 250 ms) during this run, in bytes. */
  peakRss: number | null;
  generatorLagMs: number;
  /** From each event's 202 (as the generator read it) to its arrival: the issue's own definition, which leaves out the ingest request. */
  afterAccepted: Distribution;
  /** The load generator's own lateness (its send − its schedule): part of the latency from the scheduled send, not the server's doing. */
  generatorLateness: Distribution;
}

/** Waits (up to a minute) until the receiver has had nothing new for a second: a backlog from an overloaded run is gone. */
async function quiesce(receiver: Pick<Receiver, 'total'>): Promise<void> {
  const deadline = clock() + 60_000;
  let seen = await receiver.total();
  while (clock() < deadline) {
    await sleep(1000);
    const now = await receiver.total();
    if (now === seen) return;
    seen = now;
  }
}

export async function latencyAt(
  server: Pick<Hookgate, 'process'>,
  pool: Pool,
  target: PostTarget,
  receiver: Receiver,
  run: { rate: number; durationMs: number; firstSeq: number; payloadBytes: number },
): Promise<LatencyRun> {
  const { rate, durationMs, firstSeq, payloadBytes } = run;
  await quiesce(receiver);
  await receiver.collect();
  let peakRss = server.process.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss ?? 0, server.process.rss() ?? 0) || null;
  }, 250);
  const sent: OpenLoopResult = await openLoop(pool, target, { rate, durationMs, firstSeq, body: (seq) => eventBody(seq, payloadBytes) }).finally(() => clearInterval(sampler));
  // Drain: wait (up to 10 s) for the stragglers.
  const arrivals = new Map<number, number>();
  const deadline = clock() + 10_000;
  while (arrivals.size < sent.accepted && clock() < deadline) {
    const batch = await receiver.collect();
    for (const [index, seq] of batch.seqs.entries()) arrivals.set(seq, batch.times[index]!);
    if (arrivals.size < sent.accepted) await sleep(100);
  }
  const latencies: number[] = [];
  const afterAccepted: number[] = [];
  for (let index = 0; index < sent.offered; index++) {
    const arrived = arrivals.get(sent.firstSeq + index);
    if (arrived === undefined || Number.isNaN(sent.answered[index])) continue;
    latencies.push(arrived - sent.scheduled[index]!);
    afterAccepted.push(arrived - sent.answered[index]!);
  }
  const delivered = latencies.length;
  const spread = distribution(latencies);
  return {
    offered: rate,
    accepted: sent.accepted,
    delivered,
    // Sustained: the generator kept its schedule, every event was accepted and delivered, the tail stayed under a second.
    sustained: sent.accepted === sent.offered && delivered === sent.accepted && sent.maxLagMs < 100 && spread.p99 < 1000,
    seconds: round(sent.seconds),
    peakRss,
    generatorLagMs: round(sent.maxLagMs),
    ...roundedDistribution(spread),
    afterAccepted: roundedDistribution(distribution(afterAccepted)),
    generatorLateness: roundedDistribution(distribution(Array.from(sent.lateness))),
  };
}

/**
 * Brings a fresh server (and the load generator and receiver) to steady state before latencies are
 * measured: 6 s of closed-loop single events, then a wait until the receiver is quiet. V8 compiles
 * the request path's hot functions with TurboFan after roughly 10,000 requests; that burst of
 * concurrent compilation kept both cores busy for about half a second in all three processes
 * (seen with `perf`: V8Worker threads in `compiler::*`) and, inside a measured window, was by itself
 * enough to push the p99 at 1,000/s past 100 ms. docs/performance.md gives the cold-start figure.
 */
export async function warmUp(pool: Pool, target: PostTarget, receiver: Pick<Receiver, 'total'>, payloadBytes: number): Promise<number> {
  const result = await closedLoop(pool, target, { concurrency: 16, durationMs: 6000, body: (seq) => eventBody(WARM_UP_SEQS + seq, payloadBytes) });
  await quiesce(receiver);
  return result.requests;
}

/** Seqs of warm-up events: far from the measured runs' (which start at 1). */
const WARM_UP_SEQS = 100_000_000;

export interface LatencyResults {
  runs: LatencyRun[];
  highestSustained: number | null;
  peakRss: number | null;
}

/**
 * End-to-end latency with `HOOKGATE_ROLE=all` on a fresh store, one endpoint: from each event's
 * scheduled send to its arrival at the receiver, at 100/s, 1,000/s and the highest rate that
 * `estimate` suggests (stepping down by 30 %, at most twice, while that rate is not sustained).
 */
export async function latency(plan: Plan, receiver: Receiver, estimate: number, role: Role = 'all'): Promise<LatencyResults> {
  const server: Hookgate = await startHookgate({ runtime: plan.runtime, role, dataDir: freshDataDir(), nodeFlags: plan.nodeFlags, compiled: plan.compiled });
  try {
    const tenant = await createBenchTenant(server, receiver.ports.slice(0, 1), 1);
    const pool = createClient(server.url, plan.concurrency);
    const target: PostTarget = { origin: server.url, path: '/api/v1/events', headers: { authorization: tenant.apiKey } };
    let seq = 1;
    const at = async (rate: number, durationMs = plan.latencyMs) => {
      const run = await latencyAt(server, pool, target, receiver, { rate, durationMs, firstSeq: seq, payloadBytes: plan.payloadBytes });
      seq += run.offered * Math.ceil(durationMs / 1000) + 1;
      return run;
    };
    await warmUp(pool, target, receiver, plan.payloadBytes);
    const runs = [await at(100), await at(1000)];
    let highestSustained: number | null = runs[1]!.sustained ? 1000 : runs[0]!.sustained ? 100 : null;
    let rate = Math.max(100, Math.floor(estimate / 100) * 100);
    for (let step = 0; step < 3 && rate > 100; step++) {
      if (rate === 1000 && runs[1]!.sustained) break;
      const run = await at(rate);
      runs.push(run);
      if (run.sustained) {
        highestSustained = Math.max(highestSustained ?? 0, rate);
        break;
      }
      rate = Math.floor((rate * 0.7) / 100) * 100;
    }
    await pool.close();
    return { runs, highestSustained, peakRss: server.process.peakRss() };
  } finally {
    await server.process.stop();
  }
}
