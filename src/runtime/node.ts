import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { exitOnStartFailure, serveHost } from './host.ts';
import { closeConnectionsWithoutRequest, deadlineOptions } from './node-deadlines.ts';
import { nodeEnvironment } from './node-env.ts';
import { setUpNode } from './node-setup.ts';

/** Node entry point: environment → SQLite → migrations → app → HTTP server. */
export async function startNodeServer(source: Record<string, string | undefined> = nodeEnvironment()) {
  return serveHost(
    await setUpNode(source),
    (fetch, env) =>
      new Promise((resolve, reject) => {
        const server = serve({ fetch, port: env.PORT, hostname: env.HOST, serverOptions: deadlineOptions(env.HOOKGATE_HEADERS_TIMEOUT_MS) }) as Server;
        server.once('error', reject);
        server.once('listening', () => {
          server.off('error', reject);
          closeConnectionsWithoutRequest(server, env.HOOKGATE_HEADERS_TIMEOUT_MS);
          resolve({ port: (server.address() as AddressInfo).port, stop: async () => void server.close() });
        });
      }),
  );
}

if (import.meta.main) startNodeServer().catch(exitOnStartFailure);
