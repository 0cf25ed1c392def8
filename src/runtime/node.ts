import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { ConfigError } from '../config.ts';
import { closeConnectionsWithoutRequest, deadlineOptions } from './node-deadlines.ts';
import { nodeEnvironment } from './node-env.ts';
import { setUpNode } from './node-setup.ts';
import { appForRole } from './roles.ts';
import { scheduleSweeps } from './sweep-cron.ts';

/** In-flight attempts get this long to finish on SIGTERM before their leases are released. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Node entry point: environment → SQLite → migrations → app → HTTP server. */
export async function startNodeServer(source: Record<string, string | undefined> = nodeEnvironment()) {
  const { env, services, store, engine } = await setUpNode(source);
  const { app, sweeps } = appForRole(env.HOOKGATE_ROLE, services);
  const sweeper = sweeps ? scheduleSweeps(env.HOOKGATE_SWEEP_CRON, engine, services) : null;
  const serverOptions = deadlineOptions(env.HOOKGATE_HEADERS_TIMEOUT_MS);
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST, serverOptions }, (info) => {
    services.log({ msg: 'listening', port: info.port, host: env.HOST, env: env.HOOKGATE_ENV, role: env.HOOKGATE_ROLE });
  });
  closeConnectionsWithoutRequest(server as Server, env.HOOKGATE_HEADERS_TIMEOUT_MS);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.log({ msg: 'shutting down', signal });
    sweeper?.stop();
    server.close();
    await engine.shutdown(SHUTDOWN_GRACE_MS);
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return server;
}

if (import.meta.main) {
  startNodeServer().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `hookgate failed to start: ${(error as Error).message}`);
    process.exit(1);
  });
}
