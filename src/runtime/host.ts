import { ConfigError, type Env, parseEnv } from '../config.ts';
import { migrationsOf } from '../db/dialect.ts';
import { isPostgresUrl, postgresTarget } from '../db/dialects/postgres-url.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { pingStore } from '../db/repo/store-probe.ts';
import { type HostStore, migrateStore } from '../db/store.ts';
import type { RunningEngine } from '../delivery/engine/index.ts';
import { undiciTransportFor } from '../delivery/transports/undici.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { createNodeMac } from '../lib/node-mac.ts';
import type { ApiReferenceScript, Services } from '../services.ts';
import { createServices } from './create-services.ts';
import { assertStoreExists, databasePath, developmentSecrets, ensureDataDir, nodeEnvironment } from './node-env.ts';
import { appForRole } from './roles.ts';
import { scheduleSweeps } from './sweep-cron.ts';

/**
 * The hosts with a filesystem and a long-lived process (Node, Bun and the single binary) differ
 * only in their SQLite driver and their HTTP server; everything else is set up here, once. A
 * `postgres://` DATABASE_URL opens Postgres instead (the same `pg` driver on every host).
 */
export interface HostRuntime {
  env: Env;
  services: Services;
  store: HostStore;
  engine: RunningEngine;
}

export interface SetUpOptions {
  /**
   * Create the database (and its folder) when it does not exist: the server and `migrate` do, other
   * CLI commands refuse. On Postgres (whose database the operator creates) they refuse one that has
   * never been migrated.
   */
  createStore?: boolean;
}

export type SetUpHost = (source?: Record<string, string | undefined>, options?: SetUpOptions) => Promise<HostRuntime>;

/** A host: how it opens its SQLite file, how it reads a request's client address, and where it finds the API reference script. */
export function hostSetUp(openStore: (path: string) => HostStore, clientAddress: Services['clientAddress'], apiReference?: () => ApiReferenceScript): SetUpHost {
  return async (source = nodeEnvironment(), options = { createStore: true }) => {
    const parsed = parseEnv(source);
    const log = createLogger(parsed.LOG_LEVEL, (text) => process.stderr.write(`${text}\n`));
    let env: Env;
    let store: HostStore;
    if (isPostgresUrl(parsed.DATABASE_URL)) {
      env = parsed;
      store = await openMigratedPostgres(parsed, log, options.createStore === true);
    } else {
      const path = databasePath(parsed.DATABASE_URL);
      if (!options.createStore) assertStoreExists(path);
      env = developmentSecrets(parsed, ensureDataDir(path), (msg) => log({ level: 'warn', msg }));
      store = openStore(path);
      await migrateStore(store, log);
    }
    const transport = undiciTransportFor(env);
    const { services, engine } = await createServices(env, store, { transport, mac: createNodeMac(), log, clientAddress, apiReference: apiReference?.() });
    return { env, services, store, engine };
  };
}

/**
 * Opens and migrates a Postgres store. Its processes may run on several hosts, so nothing is kept
 * in files: the secrets every process must share are required, never generated. An unreachable
 * database, or (for the CLI's commands but `migrate`) one never migrated, is refused in one line.
 */
async function openMigratedPostgres(env: Env, log: Logger, create: boolean): Promise<HostStore> {
  if (!env.HOOKGATE_ENCRYPTION_KEY || (!env.JWT_SECRET && !env.JWT_JWKS_URL)) {
    throw new ConfigError('with a Postgres DATABASE_URL, set HOOKGATE_ENCRYPTION_KEY and JWT_SECRET (or JWT_JWKS_URL): every process over the database must share them');
  }
  const target = postgresTarget(env.DATABASE_URL);
  const { openPostgres } = await import('../db/dialects/postgres.ts');
  const store = openPostgres(env.DATABASE_URL, {
    poolSize: env.HOOKGATE_DB_POOL_SIZE,
    preparedStatements: env.HOOKGATE_DB_PREPARED_STATEMENTS,
    onIdleError: (error) => log({ level: 'warn', msg: 'postgres connection lost', error: error.message }),
    onWakeListener: (state, error) =>
      log(state === 'lost' ? { level: 'warn', msg: 'postgres wake listener lost: reconnecting', error: error?.message } : { msg: 'postgres wake listener back' }),
  });
  try {
    await pingStore(store.db);
    const pending = await pendingMigrations(store.db);
    if (!create && pending.length === migrationsOf(store.db).length) {
      throw new ConfigError(`the Postgres database ${target} has no hookgate schema: run hookgate migrate with this DATABASE_URL first`);
    }
    await migrateStore(store, log);
    return store;
  } catch (error) {
    await store.close();
    if (error instanceof ConfigError) throw error;
    const { code, message } = error as { code?: string; message?: string };
    throw new ConfigError(`cannot use the Postgres database ${target}: ${[code, message].filter(Boolean).join(' ')}`);
  }
}

/** A listening HTTP server, as the host's `listen` gives it back. */
export interface Listening {
  port: number;
  stop(): Promise<void>;
}

/** In-flight attempts get this long to finish on SIGTERM before their leases are released. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Serves the app of the process's role, schedules the sweeper, and on SIGTERM or SIGINT stops
 * taking requests, lets in-flight attempts finish and exits.
 */
export async function serveHost(
  runtime: HostRuntime,
  listen: (fetch: (request: Request) => Response | Promise<Response>, env: Env) => Promise<Listening>,
  runtimeName?: string,
): Promise<Listening> {
  const { env, services, store, engine } = runtime;
  const { app, sweeps } = await appForRole(env.HOOKGATE_ROLE, services);
  const server = await listen(app.fetch, env).catch((error: unknown) => {
    throw listenProblem(error, env);
  });
  const sweeper = sweeps ? scheduleSweeps(env.HOOKGATE_SWEEP_CRON, engine, services) : null;
  // On Postgres, other processes' accepted events wake this one at once; the sweep stays the safety net.
  const woken = sweeps ? store.wake?.listen(() => engine.claimNow()) : undefined;
  services.log({ msg: 'listening', port: server.port, host: env.HOST, env: env.HOOKGATE_ENV, role: env.HOOKGATE_ROLE, ...(runtimeName ? { runtime: runtimeName } : {}) });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.log({ msg: 'shutting down', signal });
    sweeper?.stop();
    await woken?.stop();
    await server.stop();
    await engine.shutdown(SHUTDOWN_GRACE_MS);
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return server;
}

/** A port that is taken or not ours to bind is a configuration problem: one line naming PORT (and HOST). */
function listenProblem(error: unknown, env: Env): unknown {
  const code = (error as { code?: string }).code ?? '';
  const text = `${code} ${(error as Error).message ?? ''}`;
  if (/EADDRINUSE|in use/i.test(text)) return new ConfigError(`port ${env.PORT} on ${env.HOST} is already in use: set PORT to a free port, or stop the process that holds it`);
  if (/EACCES|permission/i.test(text)) return new ConfigError(`not allowed to listen on port ${env.PORT}: set PORT to 1024 or above`);
  if (/EADDRNOTAVAIL|ENOTFOUND/i.test(text)) return new ConfigError(`cannot listen on HOST ${env.HOST}: set HOST to an address of this machine (0.0.0.0 for all)`);
  return error;
}

/** The entry points' last word: a configuration problem is one line; anything else one line too, without a stack. */
export function exitOnStartFailure(error: unknown): never {
  console.error(error instanceof ConfigError ? error.message : `hookgate failed to start: ${(error as Error).message}`);
  process.exit(1);
}
