import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { type PostgresCluster, startPostgres } from '../scripts/postgres-cluster.ts';
import { createBenchTenant, type Hookgate, SMALL_HEAP_FLAGS } from './lib/hookgate.ts';
import { clock, createClient, openLoop } from './lib/load.ts';
import { eventBody } from './lib/phases.ts';
import { CLIENT_NODE_FLAGS, freePort, type Spawned, spawnPinned, waitHealthy } from './lib/processes.ts';
import { distribution, round, roundedDistribution } from './lib/stats.ts';

/**
 * `npm run bench -- --store postgres [--backlog N] [--rate R] [--seconds S] [--workers 1,2,4] [--pool-size N]
 * [--skip-peer] [--skip-latency]` (docs/scaling.md): hookgate
 * over one Postgres, in its own throwaway cluster (scripts/postgres-cluster.ts).
 * 1. Scaling: a backlog of N deliveries (N/10 events fanned out to 10 endpoints) written by an api
 *    process, then drained by 1, 2 and 4 `HOOKGATE_ROLE=worker` processes: deliveries/s at the
 *    bench's receiver between 10 % and 90 % of the backlog, and the ratios to 1 worker, in one run.
 * 2. End to end with separate processes: one api and two workers, R events/s offered for S seconds;
 *    the p99 from each event's scheduled send to its arrival at the receiver.
 * 3. The peer: the same backlog as pg-boss jobs in the same cluster, drained by one process at the
 *    same concurrency (bench/pg-boss-worker.ts: sign, POST with undici); hookgate's 1-worker rate
 *    over pg-boss's.
 * No process is pinned: the workers, Postgres, the receiver and the load generator share both cores.
 */
const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64');
const BOTH_CORES = '0,1';
const ENDPOINTS = 10;
const BATCH = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** HOOKGATE_DB_POOL_SIZE of every hookgate process (`--pool-size`; hookgate's default, 10). */
let poolSize = '10';

/** Whether a bench command line asks for this bench (`--store postgres` or `--store=postgres`). */
export const wantsPostgresStore = (argv: readonly string[]): boolean =>
  argv.includes('--store=postgres') || argv.some((arg, index) => arg === '--store' && argv[index + 1] === 'postgres');

interface Receiver {
  ports: number[];
  total(): Promise<number>;
  collect(): Promise<{ seqs: number[]; times: number[] }>;
  stop(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const spawned = spawnPinned(BOTH_CORES, process.execPath, [...CLIENT_NODE_FLAGS, 'bench/receiver.ts'], { BENCH_PORTS: String(ENDPOINTS) });
  const ports = await new Promise<number[]>((resolve, reject) => {
    spawned.child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).ports));
    spawned.child.once('exit', (code) => reject(new Error(`receiver exited with ${code}: ${spawned.output.join('\n')}`)));
  });
  const origin = `http://127.0.0.1:${ports[0]}`;
  return {
    ports,
    total: async () => ((await (await fetch(`${origin}/__bench/total`)).json()) as { total: number }).total,
    collect: async () => (await (await fetch(`${origin}/__bench/collect`)).json()) as { seqs: number[]; times: number[] },
    stop: () => spawned.stop(),
  };
}

async function startProcess(url: string, role: 'api' | 'worker', env: Record<string, string> = {}): Promise<Hookgate> {
  const port = await freePort();
  const spawned = spawnPinned(BOTH_CORES, process.execPath, [...SMALL_HEAP_FLAGS, 'src/runtime/node.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    JWT_SECRET,
    HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY,
    HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKGATE_RATE_LIMIT_PER_MINUTE: '0',
    HOOKGATE_ROLE: role,
    HOOKGATE_SWEEP_CRON: '* * * * * *',
    HOOKGATE_DB_POOL_SIZE: poolSize,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitHealthy(`${origin}/health`, spawned, 120_000);
  return { url: origin, dbPath: url, process: spawned };
}

/** Writes `deliveries` deliveries (events of a tenant with ten endpoints) through an api process, which delivers nothing. */
async function fillBacklog(url: string, receiver: Receiver, deliveries: number): Promise<void> {
  const api = await startProcess(url, 'api');
  try {
    const tenant = await createBenchTenant(api, receiver.ports, ENDPOINTS);
    const pool = createClient(api.url, 4);
    for (let seq = 0; seq < deliveries / ENDPOINTS; seq += BATCH) {
      const events = Array.from({ length: BATCH }, (_, index) => eventBody(seq + index, 256)).join(',');
      const response = await pool.request({
        method: 'POST',
        path: '/api/v1/events/batch',
        headers: { authorization: tenant.apiKey, 'content-type': 'application/json' },
        body: `{"events":[${events}]}`,
      });
      await response.body.dump();
      if (response.statusCode !== 202 && response.statusCode !== 207) throw new Error(`batch ingest answered ${response.statusCode}`);
    }
    await pool.close();
  } finally {
    await api.process.stop();
  }
}

/** The fields of /proc/<pid>/stat after the command name (index 1 is the parent's pid, 11–14 utime, stime, cutime, cstime). */
function procStat(pid: number | string): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU seconds the Postgres server has used so far: its main process, the children it has reaped
 * (cutime, cstime: backends of closed connections) and its live children (backends, background
 * workers). Zero where /proc is missing.
 */
function serverCpuSeconds(cluster: PostgresCluster): number {
  const pid = cluster.serverPid();
  const main = procStat(pid);
  if (!main) return 0;
  let ticks = Number(main[11]) + Number(main[12]) + Number(main[13]) + Number(main[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(entry);
    if (fields && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/** Deliveries/s at the receiver while `start` drains a backlog of `backlog`: from 10 % to 90 % of it (the start and the tail left out). */
async function drainRate(cluster: PostgresCluster, receiver: Receiver, backlog: number, start: () => Promise<Spawned[]>): Promise<Drained> {
  const before = await receiver.total();
  const processes = await start();
  const delivered = async () => (await receiver.total()) - before;
  const deadline = clock() + 300_000;
  while ((await delivered()) < backlog * 0.1) {
    if (clock() > deadline) throw new Error(`only ${await delivered()} of ${backlog} delivered in 5 minutes`);
    await sleep(20);
  }
  const cpu = () => processes.reduce((sum, child) => sum + child.cpuSeconds(), 0);
  const [from, startedAt, cpuBefore, serverBefore] = [await delivered(), clock(), cpu(), serverCpuSeconds(cluster)];
  while ((await delivered()) < backlog * 0.9) {
    if (clock() > deadline) throw new Error(`only ${await delivered()} of ${backlog} delivered in 5 minutes`);
    await sleep(20);
  }
  const count = (await delivered()) - from;
  const perSecond = Math.round(count / ((clock() - startedAt) / 1000));
  const cpuMicros = Math.round(((cpu() - cpuBefore) * 1e6) / count);
  const postgresCpuMicros = Math.round(((serverCpuSeconds(cluster) - serverBefore) * 1e6) / count);
  while ((await delivered()) < backlog && clock() < deadline) await sleep(50);
  return { perSecond, cpuMicros, postgresCpuMicros, processes };
}

interface Drained {
  perSecond: number;
  /** CPU time of the draining processes (hookgate's workers, or pg-boss's) per delivery, in microseconds. */
  cpuMicros: number;
  /** CPU time of the Postgres server (every backend) per delivery, in microseconds: the two cores are shared, so it counts as much. */
  postgresCpuMicros: number;
  processes: Spawned[];
}

async function hookgateScaling(cluster: PostgresCluster, receiver: Receiver, backlog: number, workers: number): Promise<Rate> {
  const url = await cluster.createDatabase();
  await fillBacklog(url, receiver, backlog);
  const before = await commits(url);
  const { processes, ...rate } = await drainRate(cluster, receiver, backlog, () =>
    Promise.all(Array.from({ length: workers }, () => startProcess(url, 'worker').then((worker) => worker.process))),
  );
  await Promise.all(processes.map((child) => child.stop()));
  await sleep(1500);
  return { ...rate, transactionsPerDelivery: round(((await commits(url)) - before) / backlog, 1) };
}

/** Transactions committed in a database so far (every autocommit statement is one): pg_stat_database, flushed when a backend ends. */
async function commits(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit);
  } finally {
    await client.end();
  }
}

type Rate = Omit<Drained, 'processes'> & { transactionsPerDelivery?: number };

async function pgBossRate(cluster: PostgresCluster, receiver: Receiver, backlog: number): Promise<Rate> {
  const url = await cluster.createDatabase();
  const boss = new PgBoss({ connectionString: url, max: 4 });
  await boss.start();
  await boss.createQueue('deliveries');
  for (let seq = 0; seq < backlog; seq += 1000) {
    const jobs = Array.from({ length: Math.min(1000, backlog - seq) }, (_, index) => {
      const n = seq + index;
      const body = `{"event_id":"evt_${String(n).padStart(24, '0')}","event_type":"invoice.created","data":${eventBody(n, 256)
        .replace(/^\{"type":"invoice.created","data":/, '')
        .slice(0, -1)}}`;
      return { data: { url: `http://127.0.0.1:${receiver.ports[n % ENDPOINTS]}/hook/${n % ENDPOINTS}`, body } };
    });
    await boss.insert('deliveries', jobs);
  }
  await boss.stop({ graceful: false });
  const { processes, ...rate } = await drainRate(cluster, receiver, backlog, async () => {
    const worker = spawnPinned(BOTH_CORES, process.execPath, [...SMALL_HEAP_FLAGS, 'bench/pg-boss-worker.ts'], { BENCH_DATABASE_URL: url, BENCH_CONCURRENCY: '64' });
    await new Promise<void>((resolve, reject) => {
      worker.child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('"ready"') && resolve());
      worker.child.once('exit', (code) => reject(new Error(`pg-boss worker exited with ${code}: ${worker.output.join('\n')}`)));
    });
    return [worker];
  });
  await Promise.all(processes.map((child) => child.stop()));
  return rate;
}

/** One api and two workers, separate processes: `rate` events/s for `seconds`, p99 from the scheduled send to the arrival. */
async function endToEnd(cluster: PostgresCluster, receiver: Receiver, rate: number, seconds: number) {
  const url = await cluster.createDatabase();
  const api = await startProcess(url, 'api');
  const workers = await Promise.all([startProcess(url, 'worker'), startProcess(url, 'worker')]);
  try {
    const tenant = await createBenchTenant(api, receiver.ports.slice(0, 1), 1);
    const pool = createClient(api.url, 16);
    const target = { origin: api.url, path: '/api/v1/events', headers: { authorization: tenant.apiKey } };
    // A warm-up at the same rate, not measured: the processes' first second (JIT, pools, first claims) is not the steady state.
    await openLoop(pool, target, { rate, durationMs: 3000, firstSeq: 1_000_000, body: (seq) => eventBody(seq, 256) });
    await sleep(2000);
    await receiver.collect();
    const sent = await openLoop(pool, target, { rate, durationMs: seconds * 1000, firstSeq: 1, body: (seq) => eventBody(seq, 256) });
    await pool.close();
    const arrivals = new Map<number, number>();
    const deadline = clock() + 15_000;
    while (arrivals.size < sent.accepted && clock() < deadline) {
      const batch = await receiver.collect();
      for (const [index, seq] of batch.seqs.entries()) arrivals.set(seq, batch.times[index]!);
      await sleep(100);
    }
    const latencies: number[] = [];
    for (let index = 0; index < sent.offered; index++) {
      const arrived = arrivals.get(sent.firstSeq + index);
      if (arrived !== undefined) latencies.push(arrived - sent.scheduled[index]!);
    }
    return {
      rate,
      seconds,
      offered: sent.offered,
      accepted: sent.accepted,
      delivered: latencies.length,
      generatorLagMs: round(sent.maxLagMs),
      ...roundedDistribution(distribution(latencies)),
    };
  } finally {
    await Promise.all([api, ...workers].map((process) => process.process.stop()));
  }
}

/** The Postgres bench's results, as it prints them (JSON on stdout). */
export type PostgresBenchResults = Awaited<ReturnType<typeof runPostgresBench>>;

export async function runPostgresBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string' },
      backlog: { type: 'string', default: '20000' },
      rate: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '15' },
      workers: { type: 'string', default: '1,2,4' },
      'pool-size': { type: 'string', default: '10' },
      'skip-peer': { type: 'boolean', default: false },
      'skip-latency': { type: 'boolean', default: false },
    },
  });
  poolSize = values['pool-size'];
  const counts = values.workers.split(',').map(Number);
  const backlog = Number(values.backlog);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const startedAt = Date.now();
  const log = (message: string) => process.stderr.write(`[bench postgres ${round((Date.now() - startedAt) / 1000)}s] ${message}\n`);
  const loadBefore = loadavg().map((value) => round(value, 2));
  const cluster = await startPostgres();
  const receiver = await startReceiver();
  try {
    const rates: Record<string, Rate> = {};
    for (const workers of counts) {
      log(`hookgate: ${backlog} deliveries drained by ${workers} worker process(es)`);
      rates[workers] = await hookgateScaling(cluster, receiver, backlog, workers);
      log(
        `  ${rates[workers]!.perSecond} deliveries/s, ${rates[workers]!.cpuMicros} µs of worker CPU, ${rates[workers]!.postgresCpuMicros} µs of Postgres CPU and ${rates[workers]!.transactionsPerDelivery} Postgres transactions each`,
      );
    }
    let pgBoss: Rate | null = null;
    if (!values['skip-peer']) {
      log(`pg-boss: ${backlog} jobs drained by one process at concurrency 64`);
      pgBoss = await pgBossRate(cluster, receiver, backlog);
      log(`  ${pgBoss.perSecond} deliveries/s, ${pgBoss.cpuMicros} µs of worker CPU and ${pgBoss.postgresCpuMicros} µs of Postgres CPU each`);
    }
    if (!values['skip-latency']) log(`end to end: 1 api + 2 workers, ${rate} events/s for ${seconds} s`);
    const e2e = values['skip-latency'] ? null : await endToEnd(cluster, receiver, rate, seconds);
    const first = rates[counts[0]!]!;
    const result = {
      date: new Date(startedAt).toISOString(),
      command: `npm run bench -- ${argv.join(' ')}`,
      machine: { cpus: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg().map((value) => round(value, 2)), node: process.version },
      backlog,
      poolSize: Number(poolSize),
      workers: Object.fromEntries(Object.entries(rates).map(([workers, rate]) => [workers, { ...rate, ratio: round(rate.perSecond / first.perSecond, 2) }])),
      pgBoss: pgBoss && { ...pgBoss, hookgateRatio: round(first.perSecond / pgBoss.perSecond, 2), target: 1.5 },
      endToEnd: e2e,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await receiver.stop();
    await cluster.stop();
  }
}

if (import.meta.main) await runPostgresBench(process.argv.slice(2));
