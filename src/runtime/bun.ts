import { ConfigError, parseEnv } from '../config.ts';
import { openBunSqlite } from '../db/dialects/bun-sqlite.ts';
import { undiciTransportFor } from '../delivery/transports/undici.ts';
import { createLogger } from '../lib/logger.ts';
import { createNodeMac } from '../lib/node-mac.ts';
import { buildServices, migrateStore } from './build-services.ts';
import { databasePath, developmentSecrets, ensureDataDir, nodeEnvironment } from './node-env.ts';
import { appForRole } from './roles.ts';
import { scheduleSweeps } from './sweep-cron.ts';

/** In-flight attempts get this long to finish on SIGTERM before their leases are released. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Bun entry point (and the compiled single binary): environment → bun:sqlite → migrations → app →
 * Bun.serve, with croner for the sweeper and undici (as on Node) for deliveries.
 */
export async function startBunServer(source: Record<string, string | undefined> = nodeEnvironment()): Promise<void> {
  const parsed = parseEnv(source);
  const log = createLogger(parsed.LOG_LEVEL, (text) => process.stderr.write(`${text}\n`));
  const path = databasePath(parsed.DATABASE_URL);
  const env = developmentSecrets(parsed, ensureDataDir(path), (msg) => log({ level: 'warn', msg }));
  const store = openBunSqlite(path);
  await migrateStore(store, log);
  const transport = undiciTransportFor(env);
  const { services, engine } = await buildServices({ env, store, transport, mac: createNodeMac(), log });
  const { app, sweeps } = appForRole(env.HOOKGATE_ROLE, services);
  const sweeper = sweeps ? scheduleSweeps(env.HOOKGATE_SWEEP_CRON, engine, services) : null;
  // Bun closes a connection idle this long (whole seconds, at most 255), which bounds the headers of every
  // request after a connection's first; the first request's headers get Bun's own 10 s, whatever is set.
  const idleTimeout = Math.ceil(env.HOOKGATE_HEADERS_TIMEOUT_MS / 1000);
  const server = Bun.serve({ port: env.PORT, hostname: env.HOST, idleTimeout, fetch: app.fetch });
  log({ msg: 'listening', port: server.port, host: env.HOST, env: env.HOOKGATE_ENV, role: env.HOOKGATE_ROLE, runtime: `bun ${Bun.version}` });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ msg: 'shutting down', signal });
    sweeper?.stop();
    await server.stop();
    await engine.shutdown(SHUTDOWN_GRACE_MS);
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (import.meta.main) {
  startBunServer().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `hookgate failed to start: ${(error as Error).message}`);
    process.exit(1);
  });
}
