import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { clock, createClient, type PostTarget } from './load.ts';
import { type LatencyRun, latencyAt, type Plan, type Receiver, type Throughput, warmUp } from './phases.ts';
import { freePort, SERVER_CORE, type Spawned, spawnPinned } from './processes.ts';

/**
 * The bench's peer: the same workload through BullMQ on Redis (bench/bullmq-peer.ts), with Debian's
 * redis-server started here (random port, no persistence, stopped at the end) on a given core.
 * The peer's HTTP endpoint and worker run on the server core, as hookgate does.
 */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** Why the peer cannot run on this machine, or null. */
export function peerUnavailable(): string | null {
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} is missing (apt-get install redis-server)`;
  try {
    // BullMQ loads its Redis client, ioredis, as an optional package (NODE_PATH may point at one installed elsewhere).
    createRequire(resolve('node_modules/bullmq/package.json')).resolve('ioredis');
  } catch {
    return "BullMQ's optional Redis client ioredis is not installed (npm install -D ioredis, or NODE_PATH=<folder>/node_modules)";
  }
  return null;
}

export interface PeerResults {
  /** Where Redis ran: the server's core (shared with the peer's worker) or the other one (with the load generator and receiver). */
  redisCore: string;
  delivery: Throughput & { redisCpuMicros: number; jobs: number };
  latency: LatencyRun;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

async function ping(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => answer(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => {
      socket.destroy();
      answer(chunk.toString().startsWith('+PONG'));
    });
  });
}

async function startRedis(core: string): Promise<{ port: number; process: Spawned }> {
  const port = await freePort();
  const redis = spawnPinned(core, REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {});
  const deadline = clock() + 10_000;
  while (!(await ping(port))) {
    if (clock() > deadline || redis.child.exitCode !== null) throw new Error(`redis-server did not start: ${redis.output.join('\n')}`);
    await sleep(50);
  }
  return { port, process: redis };
}

function startPeer(env: Record<string, string>, until: string): Promise<Spawned> {
  const peer = spawnPinned(SERVER_CORE, process.execPath, ['bench/bullmq-peer.ts'], { ...(process.env.NODE_PATH ? { NODE_PATH: process.env.NODE_PATH } : {}), ...env });
  return new Promise((ready, fail) => {
    const timer = setInterval(() => {
      if (peer.output.includes(until)) {
        clearInterval(timer);
        ready(peer);
      } else if (peer.child.exitCode !== null && peer.child.exitCode !== 0) {
        clearInterval(timer);
        fail(new Error(`BullMQ peer failed: ${peer.output.join('\n')}`));
      }
    }, 20);
  });
}

/**
 * Delivery throughput: a backlog of `warm + measured` jobs to the receiver's ten ports is filled in
 * bulk, then a worker (concurrency as hookgate's, 64) drains it; measured over the jobs after the
 * first `warm` (V8's tier-up), for at most twice the throughput window. Then end-to-end latency at
 * 1,000/s through the peer's HTTP endpoint, after the bench's warm-up, from each event's scheduled send.
 */
export async function bullmqPeer(plan: Plan, receiver: Receiver, redisCore: string): Promise<PeerResults> {
  const redis = await startRedis(redisCore);
  const targets = receiver.ports.map((port, index) => `http://127.0.0.1:${port}/bullmq/${index}`).join(',');
  const base = { BENCH_REDIS_PORT: String(redis.port), BENCH_TARGETS: targets, BENCH_CONCURRENCY: String(plan.concurrency) };
  const warm = plan.quick ? 2000 : 5000;
  const measured = plan.quick ? 3000 : 20_000;
  try {
    await startPeer({ ...base, BENCH_ROLE: 'fill', BENCH_FILL: String(warm + measured) }, 'filled');
    const before = await receiver.total();
    await receiver.collect();
    const worker = await startPeer({ ...base, BENCH_ROLE: 'worker' }, 'ready');
    let delivery: PeerResults['delivery'];
    try {
      const delivered = async () => (await receiver.total()) - before;
      while ((await delivered()) < warm) await sleep(20);
      await receiver.collect();
      const started = clock();
      const [cpuBefore, redisBefore] = [worker.cpuSeconds(), redis.process.cpuSeconds()];
      while (clock() - started < plan.throughputMs * 2 && (await delivered()) < warm + measured) await sleep(20);
      const window = await receiver.collect();
      const seconds = (clock() - started) / 1000;
      const perJob = (cpu: number) => Math.round((cpu * 1e6) / Math.max(1, window.count));
      delivery = {
        perSecond: Math.round(window.count / seconds),
        cpuMicros: perJob(worker.cpuSeconds() - cpuBefore),
        redisCpuMicros: perJob(redis.process.cpuSeconds() - redisBefore),
        jobs: window.count,
      };
    } finally {
      await worker.stop();
    }
    const port = await freePort();
    // One endpoint, as hookgate's latency runs; a queue of its own (the backlog's leftovers stay in the other).
    const peer = await startPeer(
      { ...base, BENCH_TARGETS: `http://127.0.0.1:${receiver.ports[0]}/bullmq`, BENCH_QUEUE: 'latency', BENCH_ROLE: 'all', PORT: String(port) },
      'ready',
    );
    try {
      const origin = `http://127.0.0.1:${port}`;
      const pool = createClient(origin, plan.concurrency);
      const target: PostTarget = { origin, path: '/api/v1/events', headers: {} };
      await warmUp(pool, target, receiver, plan.payloadBytes);
      const latency = await latencyAt({ process: peer }, pool, target, receiver, {
        rate: 1000,
        durationMs: plan.latencyMs,
        firstSeq: 300_000_000,
        payloadBytes: plan.payloadBytes,
      });
      await pool.close();
      return { redisCore, delivery, latency };
    } finally {
      await peer.stop();
    }
  } finally {
    await redis.process.stop();
  }
}
