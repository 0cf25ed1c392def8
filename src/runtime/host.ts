import { ConfigError, type Env, parseEnv } from '../config.ts';
import { type HostStore, migrateStore } from '../db/store.ts';
import type { RunningEngine } from '../delivery/engine/index.ts';
import { undiciTransportFor } from '../delivery/transports/undici.ts';
import { createLogger } from '../lib/logger.ts';
import { createNodeMac } from '../lib/node-mac.ts';
import type { ApiReferenceScript, Services } from '../services.ts';
import { createServices } from './create-services.ts';
import { assertStoreExists, databasePath, developmentSecrets, ensureDataDir, nodeEnvironment } from './node-env.ts';
import { appForRole } from './roles.ts';
import { scheduleSweeps } from './sweep-cron.ts';

/**
 * The hosts with a filesystem and a long-lived process (Node, Bun and the single binary) differ
 * only in their SQLite driver and their HTTP server; everything else is set up here, once.
 */
export interface HostRuntime {
  env: Env;
  services: Services;
  store: HostStore;
  engine: RunningEngine;
}

export interface SetUpOptions {
  /** Create the database (and its folder) when it does not exist: the server and `migrate` do, other CLI commands refuse. */
  createStore?: boolean;
}

export type SetUpHost = (source?: Record<string, string | undefined>, options?: SetUpOptions) => Promise<HostRuntime>;

/** A host: how it opens its SQLite file, how it reads a request's client address, and where it finds the API reference script. */
export function hostSetUp(openStore: (path: string) => HostStore, clientAddress: Services['clientAddress'], apiReference?: () => ApiReferenceScript): SetUpHost {
  return async (source = nodeEnvironment(), options = { createStore: true }) => {
    const parsed = parseEnv(source);
    const log = createLogger(parsed.LOG_LEVEL, (text) => process.stderr.write(`${text}\n`));
    const path = databasePath(parsed.DATABASE_URL);
    if (!options.createStore) assertStoreExists(path);
    const env = developmentSecrets(parsed, ensureDataDir(path), (msg) => log({ level: 'warn', msg }));
    const store = openStore(path);
    await migrateStore(store, log);
    const transport = undiciTransportFor(env);
    const { services, engine } = await createServices(env, store, { transport, mac: createNodeMac(), log, clientAddress, apiReference: apiReference?.() });
    return { env, services, store, engine };
  };
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
  const { app, sweeps } = appForRole(env.HOOKGATE_ROLE, services);
  const server = await listen(app.fetch, env).catch((error: unknown) => {
    throw listenProblem(error, env);
  });
  const sweeper = sweeps ? scheduleSweeps(env.HOOKGATE_SWEEP_CRON, engine, services) : null;
  services.log({ msg: 'listening', port: server.port, host: env.HOST, env: env.HOOKGATE_ENV, role: env.HOOKGATE_ROLE, ...(runtimeName ? { runtime: runtimeName } : {}) });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.log({ msg: 'shutting down', signal });
    sweeper?.stop();
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
