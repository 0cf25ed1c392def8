import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

/**
 * A throwaway Postgres cluster for tests and for `npm run bench -- --store postgres`: `initdb` into a fresh temporary folder, `pg_ctl start` on
 * a random free port of 127.0.0.1 (its socket in that folder too), a fresh database per test or
 * server (`createDatabase`), and `stop()` removes it all. It is also stopped and removed when the
 * test process exits, however it exits short of SIGKILL. As root (CI), the Postgres binaries run as
 * the `postgres` user, which Debian's package creates. Durability is off (fsync, synchronous_commit,
 * full_page_writes): a test's database never outlives the test.
 */
export interface PostgresCluster {
  port: number;
  /** The URL of a database of this cluster (`postgres` when not named). */
  url(database?: string): string;
  /** Creates an empty database with a fresh name; returns its URL. */
  createDatabase(): Promise<string>;
  /** The server's main process (postmaster), whose children are the backends and background workers. */
  serverPid(): number;
  stop(): Promise<void>;
}

/** Where the Postgres server binaries are: HOOKGATE_PG_BIN, Debian's newest /usr/lib/postgresql/N/bin, or PATH. */
export function postgresBinaries(): string | null {
  const candidates = [process.env.HOOKGATE_PG_BIN];
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  for (const folder of candidates) if (folder && existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'pg_ctl'))) return folder;
  try {
    const found = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return found ? join(found, '..') : null;
  } catch {
    return null;
  }
}

/** Why the Postgres tests cannot run here, or null when they can (the reason a skipped suite gives). */
export function postgresUnavailable(): string | null {
  if (!postgresBinaries()) return "no Postgres server binaries (install Debian's postgresql, or set HOOKGATE_PG_BIN)";
  if (process.getuid?.() === 0 && !postgresUser()) return 'running as root without a postgres user to run Postgres as';
  return null;
}

function postgresUser(): { uid: number; gid: number } | null {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/** Runs a Postgres binary to completion (as `postgres` when we are root); rejects with its output. */
function runBinary(bin: string, args: string[], owner: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}), env: { PATH: process.env.PATH ?? '', LC_ALL: 'C.UTF-8' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/**
 * Stops the cluster and removes its folder once the test process is gone, however it ended (a
 * SIGKILL or the runner's timeout too, which skip the 'exit' handler): a detached shell polls it and
 * sends the postmaster SIGQUIT (immediate shutdown).
 */
function watchdog(pid: number, data: string, root: string): void {
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; if [ -f ${data}/postmaster.pid ]; then kill -QUIT $(head -1 ${data}/postmaster.pid) 2>/dev/null; sleep 2; fi; rm -rf ${root}`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  if (!bin) throw new Error(postgresUnavailable() ?? 'no Postgres');
  const owner = process.getuid?.() === 0 ? postgresUser() : null;
  const root = mkdtempSync(join(tmpdir(), 'hookgate-pg-'));
  const data = join(root, 'data');
  const socket = join(root, 'sock');
  mkdirSync(socket);
  if (owner) for (const path of [root, socket]) chownSync(path, owner.uid, owner.gid);
  const port = await freePort();
  const pgCtl = join(bin, 'pg_ctl');
  let running = false;
  const stopNow = () => {
    if (running) {
      running = false;
      try {
        execFileSync(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore', ...(owner ?? {}) });
      } catch {}
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopNow);
  watchdog(process.pid, data, root);
  try {
    await runBinary(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], owner);
    const options = `-p ${port} -k ${socket} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB`;
    await runBinary(pgCtl, ['-D', data, '-l', join(root, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start'], owner);
    running = true;
  } catch (error) {
    stopNow();
    throw error;
  }
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let created = 0;
  return {
    port,
    url,
    async createDatabase() {
      const name = `hookgate_${process.pid}_${++created}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    serverPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async stop() {
      process.off('exit', stopNow);
      stopNow();
    },
  };
}

let shared: Promise<PostgresCluster> | null = null;

/** One cluster for the whole test file (process), started on first use and removed when the process exits. */
export function sharedPostgres(): Promise<PostgresCluster> {
  shared ??= startPostgres();
  return shared;
}
