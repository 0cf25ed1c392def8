import { serve } from '@hono/node-server';
import { createApp } from '../app.ts';
import { ConfigError } from '../config.ts';
import { setUpNode } from './node-setup.ts';

/** Node entry point: environment → SQLite → migrations → app → HTTP server. */
export async function startNodeServer(source: Record<string, string | undefined> = process.env) {
  const { env, services, store } = await setUpNode(source);
  const app = createApp(services);
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    services.log({ msg: 'listening', port: info.port, host: env.HOST, env: env.HOOKGATE_ENV });
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.log({ msg: 'shutting down', signal });
    server.close();
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
