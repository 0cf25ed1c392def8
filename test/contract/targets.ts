import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../scripts/free-port.ts';
import { waitForLine } from '../support/child-lines.ts';
import { sharedPostgres } from '../support/postgres.ts';
import { BIN, ENCRYPTION_KEY, JWT_SECRET, ROOT, spawnServer } from '../support/server.ts';

/**
 * A running hookgate, whatever the runtime: its base URL, a way to make the cron sweep run now,
 * and a way to stop it. The contract suite sees nothing else.
 */
export interface Target {
  name: string;
  url: string;
  /** Runs the sweeper once (Workers: `/__scheduled`); where a per-second cron runs it, this waits for a tick. */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The same configuration for every runtime: fast retries, deliveries to 127.0.0.1 allowed. */
export const CONTRACT_ENV: Record<string, string> = {
  JWT_SECRET,
  HOOKGATE_ENCRYPTION_KEY: ENCRYPTION_KEY,
  HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
  HOOKGATE_RETRY_SCHEDULE: '1,1',
  HOOKGATE_ATTEMPT_TIMEOUT_MS: '5000',
  HOOKGATE_SWEEP_CRON: '* * * * * *',
  LOG_LEVEL: 'info',
};

const tick = () => new Promise<void>((done) => setTimeout(done, 1000));

/** Starts a server process (see spawnServer) over a fresh SQLite file in its own folder (or the DATABASE_URL given in `env`). */
async function spawnListening(name: string, command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; cleanup?: () => void }): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), `hookgate-${name}-`));
  const server = await spawnServer(command, args, {
    cwd: options.cwd,
    env: { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dataDir, 'hookgate.db'), ...CONTRACT_ENV, ...options.env },
    timeoutMs: 60_000,
    keepLogs: 500,
  });
  return {
    name,
    url: server.url,
    sweep: tick,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      options.cleanup?.();
    },
  };
}

export const startNode = () => spawnListening('node', process.execPath, ['src/runtime/node.ts'], {});

export const startBun = () => spawnListening('bun', join(BIN, 'bun'), ['src/runtime/bun.ts'], {});

/** Node over a fresh database of this test process's throwaway Postgres cluster (test/support/postgres.ts). */
export const startNodeOnPostgres = async () =>
  spawnListening('node-postgres', process.execPath, ['src/runtime/node.ts'], { env: { DATABASE_URL: await (await sharedPostgres()).createDatabase() } });

/** Bun (its own `pg` over Bun's sockets) over a fresh Postgres database. */
export const startBunOnPostgres = async () =>
  spawnListening('bun-postgres', join(BIN, 'bun'), ['src/runtime/bun.ts'], { env: { DATABASE_URL: await (await sharedPostgres()).createDatabase() } });

/**
 * Compiles the single binary into an empty folder and runs it from there with an empty PATH and
 * no node_modules in reach: it must serve, migrate and deliver on its own.
 */
export async function startBinary(): Promise<Target> {
  const folder = mkdtempSync(join(tmpdir(), 'hookgate-binary-'));
  const binary = await compileBinary(folder);
  return spawnListening('binary', binary, [], { cwd: folder, env: { PATH: '' }, cleanup: () => rmSync(folder, { recursive: true, force: true }) });
}

/** `npm run build:binary`'s command, into `folder`; returns the executable's path. */
export async function compileBinary(folder: string): Promise<string> {
  const binary = join(folder, 'hookgate');
  await run(join(BIN, 'bun'), ['build', '--compile', '--minify', 'src/runtime/bun.ts', '--outfile', binary], { cwd: ROOT, timeout: 180_000 });
  return binary;
}

/**
 * `wrangler dev --local` (workerd with a local D1 in a fresh folder). The migrations are applied
 * with `wrangler d1 migrations apply` first, so the Worker's own migrate() must agree with wrangler's
 * bookkeeping. Cron runs only through `--test-scheduled`'s `/__scheduled`.
 */
export async function startWorker(): Promise<Target> {
  const state = mkdtempSync(join(tmpdir(), 'hookgate-d1-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1', CI: '1' };
  await run(join(BIN, 'wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: ROOT, env, timeout: 120_000 });
  const [port, inspector] = [await freePort(), await freePort()];
  const vars = Object.entries({ ...CONTRACT_ENV, HOOKGATE_ENV: 'development' }).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  const child = spawn(
    join(BIN, 'wrangler'),
    [
      'dev',
      '--local',
      '--test-scheduled',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--persist-to',
      state,
      '--show-interactive-dev-session=false',
      ...vars,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const logs: string[] = [];
  await waitForLine(child, logs, /Ready on (http:\/\/\S+)/, 120_000, 500);
  const url = `http://127.0.0.1:${port}`;
  return {
    name: 'workerd',
    url,
    async sweep() {
      const response = await fetch(`${url}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
      await response.text();
      if (!response.ok) throw new Error(`/__scheduled answered ${response.status}:\n${logs.slice(-20).join('\n')}`);
    },
    async stop() {
      await terminateGroup(child);
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** An already running hookgate (the container script): HOOKGATE_URL, its cron running every second. */
export async function startExternal(): Promise<Target> {
  const url = process.env.HOOKGATE_URL;
  if (!url) throw new Error('HOOKGATE_URL is not set');
  return { name: `external ${url}`, url: url.replace(/\/$/, ''), sweep: tick, stop: async () => {} };
}

/** SIGTERM to wrangler's whole process group (it runs workerd as a child), SIGKILL after 15 s. */
async function terminateGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {}
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
