import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export { freePort } from '../../scripts/free-port.ts';

/**
 * How the bench shares the machine's two cores, the same in every run: the server under test (or
 * the raw baseline standing in for it) on core 0; the load generator, which is this process, and
 * the receiver on core 1. Without `taskset` (util-linux) everything runs unpinned, and the results
 * say so.
 */
export const SERVER_CORE = '0';
export const CLIENT_CORE = '1';
const CLOCK_TICKS = 100;

let taskset: boolean | null = null;
function hasTaskset(): boolean {
  if (taskset === null) {
    try {
      execFileSync('taskset', ['--version'], { stdio: 'ignore' });
      taskset = true;
    } catch {
      taskset = false;
    }
  }
  return taskset;
}

/**
 * V8 flags for the two Node processes on the client core, the load generator and the receiver:
 * small young-generation collections, run on the main thread. With V8's defaults on this 24 GB
 * machine the generator's young generation grew to about 50 MB, each collection of it took 15–32 ms
 * (its helper threads waiting their turn on the one core), and each pause put the next events
 * behind their schedule: 20–50 ms of generator lag every 1.5–3 s at 1,000 events/s, charged to
 * hookgate as latency from the scheduled send. With these flags: 10–24 ms at worst, rarely.
 */
export const CLIENT_NODE_FLAGS = ['--max-semi-space-size=1', '--single-threaded-gc'];

/** Runs this script again with CLIENT_NODE_FLAGS, unless it has them, and exits with its status (the bench's entry points call it first). */
export function ensureClientFlags(): void {
  if (CLIENT_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) return;
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...CLIENT_NODE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(rerun.status ?? 1);
}

/** Pins this process (all its threads) to the client core. */
export function pinSelf(): boolean {
  if (!hasTaskset()) return false;
  execFileSync('taskset', ['-a', '-cp', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });
  return true;
}

/** Lets this process (and what it starts from now on, such as a Postgres cluster) run on every core again. */
export function unpinSelf(): void {
  if (!hasTaskset()) return;
  execFileSync('taskset', ['-a', '-cp', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
}

export interface Spawned {
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
  /** Peak resident set size (VmHWM) in bytes, read from /proc while the process runs. */
  peakRss(): number | null;
  /** Resident set size now, in bytes. */
  rss(): number | null;
  /** CPU time (user + system, all threads) used so far, in seconds; from /proc, 10 ms resolution. */
  cpuSeconds(): number;
}

/** Every child still running: killed if the bench itself dies (an uncaught error, its output pipe closed). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `command args` pinned to `core`; stdout and stderr are kept (last 200 lines) for errors. */
export function spawnPinned(core: string, command: string, args: string[], env: Record<string, string>): Spawned {
  const [file, argv] = hasTaskset() ? ['taskset', ['-c', core, command, ...args]] : [command, args];
  const child = spawn(file, argv, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...(process.env.BENCH_BUN_OPTIONS ? { BUN_OPTIONS: process.env.BENCH_BUN_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  return {
    child,
    output,
    peakRss: () => procStatus(child.pid, 'VmHWM'),
    rss: () => procStatus(child.pid, 'VmRSS'),
    cpuSeconds: () => {
      const stat = `/proc/${child.pid}/stat`;
      if (!existsSync(stat)) return Number.NaN;
      const fields = readFileSync(stat, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function procStatus(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | null {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return null;
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(status, 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

/** Polls `url` until it answers 200, or throws with the process output after `timeoutMs`. */
export async function waitHealthy(url: string, spawned: Spawned, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawned.child.exitCode !== null) throw new Error(`process exited with ${spawned.child.exitCode}:\n${spawned.output.join('\n')}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs} ms:\n${spawned.output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
